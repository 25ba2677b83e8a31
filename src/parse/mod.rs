//! Parsers and readers: each turns a file's text into a structure with byte spans.

pub mod dockerfile;
pub mod dotenv;
pub mod gemfile;
pub mod gh_actions;
pub mod image_ref;
pub mod json;
pub mod nearby;
pub mod requirements;
pub mod rust;
pub mod shell;
pub mod toml_doc;
pub mod treesitter;
pub mod yaml;
