//! How the tab's files are compressed: once, at the smallest size brotli and gzip reach.
//! Shared by `build.rs` (the tab built into the binary is compressed while building, so the
//! service starts without spending seconds on it) and `web.rs` (a tab read from a folder).

use std::io::Write;

/// Whether a file is worth compressing: text and wasm, not images already compressed, and
/// not a file so small that the headers outweigh the saving.
pub fn worth_compressing(path: &str, len: usize) -> bool {
    !matches!(path.rsplit('.').next(), Some("png" | "ico")) && len > 512
}

/// Brotli at its best quality and largest window: files are compressed once and served
/// many times.
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes).expect("writing to a Vec cannot fail");
    }
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(bytes).expect("writing to a Vec cannot fail");
    w.finish().expect("writing to a Vec cannot fail")
}
