//! Parsers and readers: each turns a file's text into a structure with byte spans.
pub mod yaml;
