//! The fleet report as one self-contained HTML page: inline CSS and a few lines of
//! inline JavaScript, no external assets. A repositories × factors heat map, pinning
//! coverage bars, and each repository's findings in a `<details>` drill-down with links
//! to the file and line on known forges. Every piece of scanned text is escaped.

use super::merge::{Coverage, MergedFinding, Report, forge};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Findings listed per repository; the rest are counted.
const MAX_PER_REPO: usize = 1000;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--pass:#2da44e;--warn:#d29922;--fail:#cf222e;--na:#eaeef2;--err:#8250df;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0;background:#fff}
header{background:#24292f;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c9d1d9}
main{padding:20px 32px;max-width:1600px}
h2{font-size:17px;margin:26px 0 10px;border-bottom:1px solid var(--line);padding-bottom:6px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:120px;background:var(--bg)}
.card b{display:block;font-size:24px}
.card span{color:var(--muted)}
.card.fail b{color:var(--fail)}.card.warn b{color:var(--warn)}.card.err b{color:var(--err)}
.problems{border:1px solid var(--fail);background:#ffebe9;border-radius:8px;padding:8px 16px}
.cov{display:grid;grid-template-columns:220px 1fr 160px;gap:8px 14px;align-items:center;max-width:900px}
.bar{height:16px;background:var(--na);border-radius:8px;overflow:hidden}
.bar i{display:block;height:100%;background:var(--pass)}
.bar.low i{background:var(--fail)}.bar.mid i{background:var(--warn)}
.muted{color:var(--muted)}
table{border-collapse:collapse}
table.heat th,table.heat td{border:1px solid #fff;padding:0}
table.heat thead th{font-weight:600;padding:4px 6px;background:var(--bg);font-size:12px}
table.heat th.repo{text-align:left;padding:4px 10px;font-weight:500;background:#fff;max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
table.heat td.c{width:44px;height:30px;text-align:center;font-size:12px;font-weight:600;color:#fff}
td.pass{background:var(--pass)}td.warn{background:var(--warn)}td.fail{background:var(--fail)}td.na{background:var(--na);color:var(--muted)!important}
td.unscanned{background:var(--err);color:#fff;text-align:left;padding:0 10px!important;font-weight:500}
td.mini{padding:0 8px!important;width:110px}
td.mini .bar{height:10px}
td.mini small{display:block;color:var(--muted);font-size:11px;text-align:right}
tfoot td{font-size:11px;color:var(--muted);text-align:center;padding:4px 0!important}
.legend{margin:8px 0;display:flex;gap:14px;flex-wrap:wrap;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;vertical-align:-2px;margin-right:4px}
.toolbar{display:flex;gap:10px;margin:6px 0 10px}
.toolbar input{padding:5px 8px;border:1px solid var(--line);border-radius:6px;min-width:280px}
.toolbar button{padding:5px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);cursor:pointer}
details{border:1px solid var(--line);border-radius:8px;margin:8px 0;background:#fff}
details[open]{box-shadow:0 1px 3px rgba(0,0,0,.08)}
summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
summary .name{font-weight:600}
.badge{border-radius:10px;padding:1px 8px;font-size:12px;color:#fff}
.badge.error{background:var(--fail)}.badge.warning{background:var(--warn)}.badge.note{background:#0969da}.badge.failed{background:var(--err)}.badge.clean{background:var(--pass)}
.meta{padding:0 12px 6px;color:var(--muted);font-size:12px}
table.findings{width:100%;margin:0 0 8px}
table.findings th,table.findings td{text-align:left;padding:5px 12px;border-top:1px solid var(--line);vertical-align:top}
table.findings th{font-size:12px;color:var(--muted);font-weight:600}
table.findings td.loc{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;white-space:nowrap}
table.findings td.rule{white-space:nowrap}
.sev{font-weight:600}.sev.error{color:var(--fail)}.sev.warning{color:var(--warn)}.sev.note{color:#0969da}
.fix{color:var(--muted);font-size:12px;margin-top:2px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.errbox{margin:0 12px 10px;padding:8px;border-radius:6px;background:#fbefff;color:#512a97;font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}
"#;

const SCRIPT: &str = r#"
(function(){
  var q=document.getElementById('filter');
  function apply(){
    var t=q.value.toLowerCase();
    document.querySelectorAll('[data-repo]').forEach(function(el){
      el.style.display=el.getAttribute('data-repo').toLowerCase().indexOf(t)>=0?'':'none';
    });
  }
  q.addEventListener('input',apply);
  document.getElementById('expand').addEventListener('click',function(){
    var all=document.querySelectorAll('details.repo');
    var open=Array.prototype.some.call(all,function(d){return !d.open;});
    all.forEach(function(d){d.open=open;});
  });
  function reveal(){
    var id=decodeURIComponent(location.hash.slice(1));
    var d=id&&document.getElementById(id);
    if(d&&d.tagName==='DETAILS'){d.open=true;}
  }
  window.addEventListener('hashchange',reveal);reveal();
})();
"#;

fn bar(c: &Coverage) -> String {
    match c.share {
        None => r#"<div class="bar"></div>"#.to_owned(),
        Some(s) => {
            let pct = s * 100.0;
            let class = if pct < 50.0 {
                "bar low"
            } else if pct < 90.0 {
                "bar mid"
            } else {
                "bar"
            };
            format!(r#"<div class="{class}"><i style="width:{pct:.1}%"></i></div>"#)
        }
    }
}

fn coverage_text(c: &Coverage) -> String {
    match c.share {
        None => "not measured".to_owned(),
        Some(s) => format!("{:.0}% ({}/{})", s * 100.0, c.pinned, c.total),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn render(report: &Report) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let t = &report.totals;
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str("<title>dozen fleet report</title>\n<style>");
    o.push_str(STYLE);
    o.push_str("</style>\n</head>\n<body>\n<header><h1>dozen fleet report</h1>");
    let _ = writeln!(
        o,
        "<p>Twelve-factor compliance and supply-chain pinning across {} repositor{} · dozen {}</p></header>\n<main>",
        t.repositories,
        if t.repositories == 1 { "y" } else { "ies" },
        esc(&report.tool.version)
    );

    // Totals.
    o.push_str("<section class=\"cards\">");
    for (n, label, class) in [
        (t.repositories, "repositories", ""),
        (
            t.failed,
            "not scanned",
            if t.failed > 0 { "err" } else { "" },
        ),
        (t.with_findings, "with findings", ""),
        (t.errors, "errors", if t.errors > 0 { "fail" } else { "" }),
        (
            t.warnings,
            "warnings",
            if t.warnings > 0 { "warn" } else { "" },
        ),
        (t.notes, "notes", ""),
        (t.files_scanned, "files scanned", ""),
    ] {
        let _ = write!(
            o,
            "<div class=\"card {class}\"><b>{n}</b><span>{label}</span></div>"
        );
    }
    o.push_str("</section>\n");
    if !report.problems.is_empty() {
        o.push_str("<section class=\"problems\"><p><b>This report is incomplete:</b></p><ul>");
        for p in &report.problems {
            let _ = write!(o, "<li>{}</li>", esc(p));
        }
        o.push_str("</ul></section>\n");
    }

    // Coverage.
    o.push_str("<h2>Pinning coverage</h2>\n<div class=\"cov\">");
    for (name, c) in report.coverage.entries() {
        let _ = write!(
            o,
            "<div>{}</div>{}<div class=\"muted\">{}</div>",
            esc(name),
            bar(c),
            coverage_text(c)
        );
    }
    o.push_str("</div>\n");

    // Heat map.
    o.push_str("<h2>Twelve-factor compliance</h2>\n<div class=\"toolbar\"><input id=\"filter\" type=\"search\" placeholder=\"Filter repositories…\" aria-label=\"Filter repositories\"><button id=\"expand\" type=\"button\">Expand/collapse all</button></div>\n");
    o.push_str("<table class=\"heat\">\n<thead><tr><th class=\"repo\">repository</th>");
    for f in &report.factors {
        let _ = write!(
            o,
            "<th title=\"{} {}\">{}</th>",
            f.roman,
            esc(f.name),
            f.roman
        );
    }
    o.push_str("<th>images</th><th>actions</th><th>deps</th></tr></thead>\n<tbody>\n");
    for r in &report.repositories {
        let _ = write!(
            o,
            "<tr data-repo=\"{}\"><th class=\"repo\" title=\"{}\"><a href=\"#repo-{}\">{}</a></th>",
            esc(&r.id),
            esc(&r.id),
            esc(&r.slug),
            esc(&r.id)
        );
        if let Some(e) = &r.error {
            let _ = write!(
                o,
                "<td class=\"unscanned\" colspan=\"{}\" title=\"{}\">not scanned: {}</td>",
                report.factors.len() + 3,
                esc(e),
                esc(&truncate(e, 90))
            );
            o.push_str("</tr>\n");
            continue;
        }
        for f in &report.factors {
            let rf = r.factors.iter().find(|x| x.factor == f.factor);
            let status = rf.map_or("not-assessed", |x| x.status.as_str());
            let (class, text) = match (status, rf) {
                ("pass", _) => ("pass", "✓".to_owned()),
                ("warn", Some(x)) => ("warn", x.warnings.to_string()),
                ("fail", Some(x)) => ("fail", (x.errors + x.warnings).to_string()),
                _ => ("na", "–".to_owned()),
            };
            let detail = rf.map_or(String::new(), |x| {
                format!(
                    " — {}, {}, {}",
                    plural(x.errors, "error"),
                    plural(x.warnings, "warning"),
                    plural(x.notes, "note")
                )
            });
            let _ = write!(
                o,
                "<td class=\"c {class}\" title=\"{} {}: {}{}\">{text}</td>",
                f.roman,
                esc(f.name),
                esc(status),
                detail
            );
        }
        for c in [
            &r.coverage.images,
            &r.coverage.actions,
            &r.coverage.dependencies,
        ] {
            let _ = write!(
                o,
                "<td class=\"mini\">{}<small>{}</small></td>",
                bar(c),
                match c.share {
                    Some(s) => format!("{:.0}% of {}", s * 100.0, c.total),
                    None => "–".into(),
                }
            );
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n<tfoot><tr><td>repositories failing / warning</td>");
    for f in &report.factors {
        let _ = write!(o, "<td>{} / {}</td>", f.fail, f.warn);
    }
    o.push_str("<td></td><td></td><td></td></tr></tfoot>\n</table>\n");
    o.push_str("<div class=\"legend\"><span><i style=\"background:var(--pass)\"></i>pass</span><span><i style=\"background:var(--warn)\"></i>warnings (count)</span><span><i style=\"background:var(--fail)\"></i>errors (errors + warnings)</span><span><i style=\"background:var(--na)\"></i>not assessed (no rule covers the factor yet)</span><span><i style=\"background:var(--err)\"></i>not scanned</span></div>\n");

    // Drill-down.
    let mut by_repo: BTreeMap<&str, Vec<&MergedFinding>> = BTreeMap::new();
    for f in &report.findings {
        by_repo.entry(f.repository.as_str()).or_default().push(f);
    }
    o.push_str("<h2>Findings by repository</h2>\n");
    for r in &report.repositories {
        let web = forge(&r.location);
        let _ = write!(
            o,
            "<details class=\"repo\" id=\"repo-{}\" data-repo=\"{}\"><summary><span class=\"name\">{}</span>",
            esc(&r.slug),
            esc(&r.id),
            esc(&r.id)
        );
        if r.error.is_some() {
            o.push_str("<span class=\"badge failed\">not scanned</span>");
        } else if r.errors + r.warnings + r.notes == 0 {
            o.push_str("<span class=\"badge clean\">no findings</span>");
        }
        for (n, sev) in [
            (r.errors, "error"),
            (r.warnings, "warning"),
            (r.notes, "note"),
        ] {
            if n > 0 {
                let _ = write!(o, "<span class=\"badge {sev}\">{}</span>", plural(n, sev));
            }
        }
        o.push_str("</summary>\n<div class=\"meta\">");
        match &r.web_url {
            Some(u) => {
                let _ = write!(o, "<a href=\"{}\">{}</a>", esc(u), esc(&r.location));
            }
            None => o.push_str(&esc(&r.location)),
        }
        if let Some(g) = &r.git_ref {
            let _ = write!(o, " · ref <code>{}</code>", esc(g));
        }
        match (&r.commit, &web) {
            (Some(c), Some(w)) => {
                let _ = write!(
                    o,
                    " · commit <a href=\"{}\"><code>{}</code></a>",
                    esc(&w.commit(c)),
                    esc(&c[..c.len().min(12)])
                );
            }
            (Some(c), None) => {
                let _ = write!(o, " · commit <code>{}</code>", esc(&c[..c.len().min(12)]));
            }
            (None, _) if r.vcs == "none" && r.error.is_none() => {
                o.push_str(" · not a git checkout (no commit)")
            }
            _ => {}
        }
        if r.error.is_none() {
            let _ = write!(o, " · {} scanned", plural(r.files_scanned, "file"));
            if r.suppressed > 0 {
                let _ = write!(o, " · {} suppressed", r.suppressed);
            }
        }
        let _ = writeln!(o, " · dozen {}</div>", esc(&r.dozen_version));
        if let Some(e) = &r.error {
            let _ = writeln!(o, "<div class=\"errbox\">{}</div>", esc(e));
        }
        let findings = by_repo.get(r.id.as_str()).map_or(&[][..], Vec::as_slice);
        if !findings.is_empty() {
            o.push_str("<table class=\"findings\"><thead><tr><th>severity</th><th>location</th><th>rule</th><th>message</th></tr></thead><tbody>\n");
            for f in findings.iter().take(MAX_PER_REPO) {
                let loc = format!("{}:{}:{}", f.path, f.line, f.column);
                let loc = match &f.url {
                    Some(u) => format!("<a href=\"{}\">{}</a>", esc(u), esc(&loc)),
                    None => esc(&loc),
                };
                let sev = match f.severity.as_str() {
                    s @ ("error" | "warning" | "note") => s,
                    _ => "note",
                };
                let _ = write!(
                    o,
                    "<tr><td class=\"sev {sev}\">{}</td><td class=\"loc\">{loc}</td><td class=\"rule\"><code>{}</code><br><span class=\"muted\">{} {}</span></td><td>{}",
                    esc(&f.severity),
                    esc(&f.rule),
                    crate::catalog::factor_roman(f.factor),
                    esc(&f.factor_name),
                    esc(&f.message)
                );
                if let Some(fix) = &f.fix {
                    let _ = write!(o, "<div class=\"fix\">fix: {}</div>", esc(fix));
                }
                o.push_str("</td></tr>\n");
            }
            if findings.len() > MAX_PER_REPO {
                let _ = writeln!(
                    o,
                    "<tr><td colspan=\"4\" class=\"muted\">…and {} more; see the JSON report.</td></tr>",
                    findings.len() - MAX_PER_REPO
                );
            }
            o.push_str("</tbody></table>\n");
        }
        o.push_str("</details>\n");
    }
    o.push_str("</main>\n<script>");
    o.push_str(SCRIPT);
    o.push_str("</script>\n</body>\n</html>\n");
    o
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(
            super::esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
