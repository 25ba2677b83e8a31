//! Writing reports: atomically to regular files (so CI never uploads a truncated SARIF),
//! directly to pipes and devices, and quietly when stdout is a closed pipe.

use std::io::{ErrorKind, Write};
use std::path::Path;

pub fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // `dozen check | head`: the reader is gone; nothing more to say.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write to stdout: {e}")),
    }
}

pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let regular_or_new = match std::fs::metadata(path) {
        Ok(m) => m.is_file(),
        Err(_) => true,
    };
    if !regular_or_new {
        // /dev/stdout, /dev/null, a FIFO: write through, never replace.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        return match f.write_all(bytes) {
            Err(e) if e.kind() != ErrorKind::BrokenPipe => {
                Err(format!("cannot write {}: {e}", path.display()))
            }
            _ => Ok(()),
        };
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.dozen-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}
