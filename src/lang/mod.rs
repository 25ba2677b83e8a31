//! Light semantic models over syntax trees: which names are imported from where, so rules
//! can ask for `logging.FileHandler` whether it was written `FileHandler`, `logging.FileHandler`
//! or `lg.FileHandler`.

pub mod commands;
pub mod deploy;
pub mod entrypoint;
pub mod gate;
pub mod install;
pub mod js;
pub mod python;
pub mod rust;
pub mod rust_views;
pub mod scorecard;
pub mod web;

use std::collections::HashMap;

/// Local names bound by imports, each to the dotted path it stands for. Python and
/// JavaScript share this model; each collects it from its own import syntax.
#[derive(Debug, Default)]
pub struct DottedNames {
    names: HashMap<String, String>,
}

impl DottedNames {
    pub fn insert(&mut self, local: &str, qualified: String) {
        self.names.insert(local.to_owned(), qualified);
    }

    /// `handlers.RotatingFileHandler` → `logging.handlers.RotatingFileHandler` when
    /// `handlers` is bound to `logging.handlers`; unbound names are returned unchanged.
    pub fn resolve(&self, dotted: &str) -> String {
        let (first, rest) = match dotted.split_once('.') {
            Some((f, r)) => (f, Some(r)),
            None => (dotted, None),
        };
        match (self.names.get(first), rest) {
            (Some(q), Some(r)) => format!("{q}.{r}"),
            (Some(q), None) => q.clone(),
            (None, _) => dotted.to_owned(),
        }
    }

    /// Whether anything is imported from `module` (or a submodule of it).
    pub fn uses_module(&self, module: &str) -> bool {
        self.names.values().any(|q| {
            q.strip_prefix(module)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }
}
