//! Generates the `i18n` module from `src/locales/*.json` (leptos_i18n): every key exists in
//! every language or the build fails, and translated strings may carry values into
//! attributes (`aria-label="Call +49 89 …"`).

use std::path::PathBuf;

use leptos_i18n_build::options::CodegenOptions;
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // wasm-split-cli follows the linker's relocations to tell the tab's two modules apart.
    if std::env::var_os("CARGO_FEATURE_SPLIT").is_some()
        && std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32")
    {
        println!("cargo::rustc-link-arg-bins=--emit-relocs");
    }
    let config = Config::new("en")
        .and_then(|c| c.add_locale("de"))
        .expect("locale names are valid")
        .locales_path("src/locales")
        .parse_options(ParseOptions::default().interpolate_display(true));
    let translations =
        TranslationsInfos::parse(config).unwrap_or_else(|e| panic!("translations: {e}"));
    translations.rerun_if_locales_changed();
    translations.emit_diagnostics();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("i18n");
    translations
        .generate_i18n_module_with_options(out, CodegenOptions::new().gen_docs(false))
        .unwrap_or_else(|e| panic!("generating the i18n module: {e}"));
}
