//! `kontakt package`: the Teams app package an admin uploads — the manifest template from
//! `manifest/` filled in for their tenant, its German localization and the icons, as a zip
//! with every file at its root.

use std::io::Write;
use std::path::{Path, PathBuf};

use kontakt_directory::check::{Problems, SettingProblem};

use crate::auth::is_guid;
use crate::settings::url::check_host;

const MANIFEST: &str = include_str!("../../../manifest/manifest.json");
const GERMAN: &str = include_str!("../../../manifest/de.json");
const COLOR_ICON: &[u8] = include_bytes!("../../../manifest/color.png");
const OUTLINE_ICON: &[u8] = include_bytes!("../../../manifest/outline.png");

pub const COLOR_SIZE: u32 = 192;
pub const OUTLINE_SIZE: u32 = 32;

/// What the admin says about their deployment (also the options of `kontakt package`).
#[derive(Clone, Debug, clap::Args)]
pub struct PackageOptions {
    /// The Teams app id: a GUID of its own, the same for every version (e.g. from `uuidgen`).
    #[arg(long)]
    pub app_id: String,
    /// The Application (client) ID of the Entra app registration (see docs/deploy.md).
    #[arg(long)]
    pub client_id: String,
    /// The host name the service is reached at over HTTPS, e.g. contacts.example.com.
    #[arg(long)]
    pub host: String,
    /// The app version, MAJOR.MINOR.PATCH; raise it for every upload.
    #[arg(long, default_value = "1.0.0")]
    pub version: String,
    /// The publisher Teams shows (up to 32 characters).
    #[arg(long, default_value = "Kontakt")]
    pub developer: String,
    /// Your own colour icon: a 192×192 PNG.
    #[arg(long)]
    pub color_icon: Option<PathBuf>,
    /// Your own outline icon: a 32×32 PNG, white on transparent.
    #[arg(long)]
    pub outline_icon: Option<PathBuf>,
}

/// The files of the package, in the order they are zipped.
pub struct Package {
    pub files: Vec<(&'static str, Vec<u8>)>,
}

impl Package {
    /// Fills in the templates; every problem with the options is reported at once.
    pub fn build(options: &PackageOptions) -> Result<Package, Vec<SettingProblem>> {
        let mut problems = Problems::default();
        let mut problem = |option: &str, message: String| problems.error(option, message);
        for (option, value) in [
            ("--app-id", &options.app_id),
            ("--client-id", &options.client_id),
        ] {
            if !is_guid(value) {
                problem(
                    option,
                    format!("{value:?} is not a GUID (like 5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f)"),
                );
            }
        }
        if options.app_id.eq_ignore_ascii_case(&options.client_id) && is_guid(&options.app_id) {
            problem(
                "--app-id",
                "must not be the client id: the Teams app id is a GUID of its own (generate one, e.g. with `uuidgen`)".into(),
            );
        }
        if let Err(m) = check_host(&options.host) {
            problem("--host", m);
        }
        if let Err(m) = check_version(&options.version) {
            problem("--version", m);
        }
        let developer = options.developer.trim();
        if developer.is_empty() || developer.chars().count() > 32 {
            problem(
                "--developer",
                format!("{developer:?} must be 1 to 32 characters (Teams' limit)"),
            );
        }
        let color = icon(&options.color_icon, COLOR_ICON, COLOR_SIZE, false)
            .map_err(|m| problem("--color-icon", m))
            .ok();
        let outline = icon(&options.outline_icon, OUTLINE_ICON, OUTLINE_SIZE, true)
            .map_err(|m| problem("--outline-icon", m))
            .ok();
        if problems.has_errors() {
            return Err(problems.into_vec());
        }
        let manifest = fill(
            MANIFEST,
            &[
                ("{{APP_ID}}", &options.app_id.to_ascii_lowercase()),
                ("{{CLIENT_ID}}", &options.client_id.to_ascii_lowercase()),
                ("{{HOST}}", &options.host.to_ascii_lowercase()),
                ("{{VERSION}}", &options.version),
                ("{{DEVELOPER}}", developer),
            ],
        );
        Ok(Package {
            files: vec![
                ("manifest.json", manifest.into_bytes()),
                ("de.json", GERMAN.as_bytes().to_vec()),
                ("color.png", color.expect("checked above")),
                ("outline.png", outline.expect("checked above")),
            ],
        })
    }

    /// The Teams app package: a zip with every file at its root.
    pub fn zip(&self) -> std::io::Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in &self.files {
            zip.start_file(*name, options)
                .map_err(std::io::Error::other)?;
            zip.write_all(bytes)?;
        }
        Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
    }

    /// Writes the files into `dir` as well, for admins who want to look before uploading.
    pub fn write_unpacked(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in &self.files {
            std::fs::write(dir.join(name), bytes)?;
        }
        Ok(())
    }
}

/// Replaces every placeholder; values are JSON-escaped, so no input can change the shape of
/// the manifest.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (placeholder, value) in values {
        let escaped = serde_json::to_string(value).expect("strings serialise");
        text = text.replace(placeholder, &escaped[1..escaped.len() - 1]);
    }
    debug_assert!(!text.contains("{{"), "every placeholder is filled");
    text
}

/// `MAJOR.MINOR.PATCH` with numbers only, as Teams requires.
fn check_version(version: &str) -> Result<(), String> {
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        Ok(())
    } else {
        Err(format!(
            "{version:?} is not MAJOR.MINOR.PATCH (like 1.0.0); raise it for every upload"
        ))
    }
}

/// The bundled icon, or the admin's own after checking it is what Teams needs.
fn icon(
    path: &Option<PathBuf>,
    bundled: &[u8],
    size: u32,
    outline: bool,
) -> Result<Vec<u8>, String> {
    let (bytes, shown) = match path {
        None => (bundled.to_vec(), "the bundled icon".to_owned()),
        Some(p) => (
            std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
            p.display().to_string(),
        ),
    };
    check_icon(&bytes, size, outline).map_err(|m| format!("{shown}: {m}"))?;
    Ok(bytes)
}

/// A PNG of `size`×`size`; an outline icon must be white on a transparent background.
pub fn check_icon(bytes: &[u8], size: u32, outline: bool) -> Result<(), String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a PNG image ({e})"))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if (width, height) != (size, size) {
        return Err(format!(
            "is {width}×{height} pixels; Teams needs {size}×{size}"
        ));
    }
    if !outline {
        return Ok(());
    }
    let mut pixels = vec![0; reader.output_buffer_size().ok_or("is too large")?];
    let frame = reader
        .next_frame(&mut pixels)
        .map_err(|e| format!("cannot be decoded ({e})"))?;
    let channels = match frame.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::GrayscaleAlpha => 2,
        _ => {
            return Err(
                "has no transparency; an outline icon is white on a transparent background".into(),
            );
        }
    };
    let pixels = &pixels[..frame.buffer_size()];
    let mut visible = 0;
    for px in pixels.chunks_exact(channels) {
        let alpha = px[channels - 1];
        if alpha == 0 {
            continue;
        }
        visible += 1;
        // Edges are anti-aliased through transparency, not through grey.
        if px[..channels - 1].iter().any(|c| *c < 0xF0) {
            return Err(
                "has coloured pixels; an outline icon is white only, on a transparent background"
                    .into(),
            );
        }
    }
    if visible == 0 {
        return Err("is fully transparent".into());
    }
    if visible == pixels.len() / channels {
        return Err(
            "has no transparent pixels; an outline icon is white on a transparent background"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> PackageOptions {
        PackageOptions {
            app_id: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0".into(),
            client_id: "5F2D7C1E-8A4B-4C3D-9E6F-1A2B3C4D5E6F".into(),
            host: "Contacts.Example.com".into(),
            version: "1.2.3".into(),
            developer: "Contoso IT".into(),
            color_icon: None,
            outline_icon: None,
        }
    }

    #[test]
    fn the_manifest_is_filled_in_for_the_tenant() {
        let package = Package::build(&good()).unwrap();
        let names: Vec<&str> = package.files.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            ["manifest.json", "de.json", "color.png", "outline.png"]
        );
        let manifest: serde_json::Value = serde_json::from_slice(&package.files[0].1).unwrap();
        assert_eq!(manifest["id"], "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
        assert_eq!(manifest["version"], "1.2.3");
        assert_eq!(manifest["developer"]["name"], "Contoso IT");
        assert_eq!(
            manifest["developer"]["privacyUrl"],
            "https://contacts.example.com/privacy"
        );
        assert_eq!(
            manifest["validDomains"],
            serde_json::json!(["contacts.example.com"])
        );
        assert_eq!(manifest["permissions"], serde_json::json!(["identity"]));
        assert_eq!(
            manifest["staticTabs"][0]["contentUrl"],
            "https://contacts.example.com/?inTeams=1"
        );
        assert_eq!(
            manifest["staticTabs"][0]["scopes"],
            serde_json::json!(["personal"])
        );
        assert_eq!(
            manifest["webApplicationInfo"],
            serde_json::json!({
                "id": "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f",
                "resource": "api://contacts.example.com/5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f"
            })
        );
        assert!(!String::from_utf8_lossy(&package.files[0].1).contains("{{"));
    }

    #[test]
    fn every_bad_option_is_named_with_what_would_be_right() {
        let bad = PackageOptions {
            app_id: "kontakt".into(),
            client_id: "5f2d7c1e-8a4b-4c3d-9e6f".into(),
            host: "https://contacts.example.com/tab".into(),
            version: "1.0".into(),
            developer: "".into(),
            color_icon: Some("/nonexistent/color.png".into()),
            outline_icon: None,
        };
        let problems: Vec<String> = Package::build(&bad)
            .err()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert!(problems[0].starts_with("error: --app-id: \"kontakt\" is not a GUID"));
        assert!(problems[1].starts_with("error: --client-id:"));
        assert!(problems[2].contains("--host") && problems[2].contains("scheme (https://)"));
        assert!(problems[3].starts_with("error: --version: \"1.0\" is not MAJOR.MINOR.PATCH"));
        assert!(problems[4].starts_with("error: --developer:"));
        assert!(problems[5].starts_with("error: --color-icon: cannot read /nonexistent/color.png"));
    }

    #[test]
    fn the_same_guid_for_app_and_client_is_refused() {
        let mut o = good();
        o.app_id = o.client_id.to_lowercase();
        let problems = Package::build(&o).err().unwrap();
        assert!(problems[0].message.contains("must not be the client id"));
    }

    #[test]
    fn bundled_icons_are_what_teams_needs_and_bad_ones_are_refused() {
        assert_eq!(check_icon(COLOR_ICON, COLOR_SIZE, false), Ok(()));
        assert_eq!(check_icon(OUTLINE_ICON, OUTLINE_SIZE, true), Ok(()));
        assert!(
            check_icon(COLOR_ICON, OUTLINE_SIZE, true)
                .unwrap_err()
                .contains("192×192 pixels; Teams needs 32×32")
        );
        // The colour icon is opaque: as an outline it has no transparency.
        let err = check_icon(COLOR_ICON, COLOR_SIZE, true).unwrap_err();
        assert!(
            err.contains("transparen") || err.contains("coloured"),
            "{err}"
        );
        assert!(
            check_icon(b"GIF89a....", 32, true)
                .unwrap_err()
                .starts_with("not a PNG")
        );
    }

    #[test]
    fn the_zip_has_every_file_at_its_root() {
        let package = Package::build(&good()).unwrap();
        let bytes = package.zip().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        names.sort();
        assert_eq!(
            names,
            ["color.png", "de.json", "manifest.json", "outline.png"]
        );
        for (name, expected) in &package.files {
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut content).unwrap();
            assert_eq!(&content, expected, "{name}");
        }
    }

    #[test]
    fn values_cannot_break_out_of_their_json_strings() {
        let mut o = good();
        o.developer = "A \"quoted\" \\ name".into();
        let package = Package::build(&o).unwrap();
        let manifest: serde_json::Value = serde_json::from_slice(&package.files[0].1).unwrap();
        assert_eq!(manifest["developer"]["name"], "A \"quoted\" \\ name");
    }
}
