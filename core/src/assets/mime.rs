//! Content type of an asset from its file name, as sent with each upload:
//! `text/*` gets `; charset=utf-8`; unknown types are `application/null`,
//! which the server reads as "serve without a Content-Type".

pub fn content_type(path: &str) -> String {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let base = match ext.as_str() {
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" | "mjs" | "cjs" => "text/javascript",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "md" => "text/markdown",
        "xml" => "text/xml",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/null",
    };
    if base.starts_with("text/") {
        format!("{base}; charset=utf-8")
    } else {
        base.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(content_type("/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("/a/b.PNG"), "image/png");
        assert_eq!(content_type("/LICENSE"), "application/null");
        assert_eq!(content_type("/x.unknownext"), "application/null");
    }
}
