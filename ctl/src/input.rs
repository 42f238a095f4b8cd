//! Reads `-f FILE|DIR|-` arguments into source documents.

use crate::error::{CtlError, CtlResult};
use resources::stream::{SourceDoc, split_documents};
use std::io::Read;
use std::path::{Path, PathBuf};

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Every document of every named file, in argument order (directory entries sorted).
pub fn read_documents(paths: &[PathBuf], recursive: bool) -> CtlResult<Vec<SourceDoc>> {
    let mut docs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CtlError::Usage(format!("cannot read standard input: {e}")))?;
            docs.extend(split_documents("-", &text));
            continue;
        }
        for file in expand(path, recursive)? {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CtlError::Usage(format!("cannot read {}: {e}", file.display())))?;
            docs.extend(split_documents(&file.display().to_string(), &text));
        }
    }
    Ok(docs)
}

/// A file stays itself; a directory becomes its YAML/JSON files, sorted by name.
fn expand(path: &Path, recursive: bool) -> CtlResult<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CtlError::Usage(format!("cannot read {}: {e}", path.display())))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| CtlError::Usage(format!("cannot list {}: {e}", path.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut files = Vec::new();
    for entry in entries {
        if entry.is_dir() {
            if recursive {
                files.extend(expand(&entry, true)?);
            }
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            files.push(entry);
        }
    }
    Ok(files)
}
