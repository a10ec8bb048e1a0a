//! With the `embed-tab` feature, the built tab (Trunk's `dist/`) goes into the binary, so a
//! deployment is one file plus its configuration. The folder is `KONTAKT_TAB_DIST`, or the
//! workspace's `dist/`; build it first with `trunk build --release` (scripts/release.sh).

use std::path::{Path, PathBuf};

#[path = "src/compress.rs"]
mod compress;

fn main() {
    println!("cargo::rerun-if-env-changed=KONTAKT_TAB_DIST");
    println!("cargo::rustc-check-cfg=cfg(kontakt_tab_embedded)");
    if std::env::var_os("CARGO_FEATURE_EMBED_TAB").is_none() {
        return;
    }
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let dist = std::env::var_os("KONTAKT_TAB_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../../dist"));
    let dist = dist.canonicalize().unwrap_or(dist);
    if !dist.join("index.html").is_file() {
        panic!(
            "\n\nthe feature embed-tab needs the built tab, but {} has no index.html.\n\
             Build it first (trunk build --release, or scripts/release.sh), or point \
             KONTAKT_TAB_DIST at Trunk's output folder.\n\n",
            dist.display()
        );
    }
    println!("cargo::rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    // (name, bytes, brotli, gzip): compressed here, once per build of the tab, rather than
    // at every start of the service (brotli's best takes seconds for the wasm).
    let mut code =
        String::from("pub static FILES: &[(&str, &[u8], Option<&[u8]>, Option<&[u8]>)] = &[\n");
    for (i, (name, path)) in files.iter().enumerate() {
        println!("cargo::rerun-if-changed={}", path.display());
        let bytes = std::fs::read(path).expect("a readable file");
        let encoded = |suffix: &str, make: fn(&[u8]) -> Vec<u8>| {
            if !compress::worth_compressing(name, bytes.len()) {
                return String::from("None");
            }
            let packed = make(&bytes);
            if packed.len() >= bytes.len() {
                return String::from("None");
            }
            let file = out_dir.join(format!("tab-{i}.{suffix}"));
            std::fs::write(&file, packed).expect("OUT_DIR is writable");
            format!("Some(include_bytes!({:?}))", file.display().to_string())
        };
        let brotli = encoded("br", compress::brotli);
        let gzip = encoded("gz", compress::gzip);
        code.push_str(&format!(
            "    ({name:?}, include_bytes!({:?}), {brotli}, {gzip}),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = out_dir.join("embedded_tab.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
    println!("cargo::rustc-cfg=kontakt_tab_embedded");
}

/// Every file under `dir`, except dot files such as the build fingerprint.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable folder").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            println!("cargo::rerun-if-changed={}", path.display());
            collect(root, &path, out);
        } else {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((relative, path));
        }
    }
}
