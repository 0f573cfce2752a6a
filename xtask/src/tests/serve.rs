//! The static server of `cargo xtask serve` over real sockets, with requests written by hand so that
//! no client normalises them first: compression as the browser asks, the site's 404 page for deep
//! links, content types, and paths that try to leave the served directory (`..` plain,
//! percent-encoded, with encoded slashes, absolute) getting nothing from outside it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use crate::serve::{Encodings, Mount, Server};

/// One response read off a connection: status, headers (lowercased names), body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Writes `GET {target} HTTP/1.1` exactly as given and reads the reply (the connection stays usable
/// for the next request unless the server closes it).
fn request(reader: &mut BufReader<TcpStream>, target: &str, accept_encoding: Option<&str>) -> Reply {
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(encodings) = accept_encoding {
        request.push_str(&format!("Accept-Encoding: {encodings}\r\n"));
    }
    request.push_str("\r\n");
    reader.get_mut().write_all(request.as_bytes()).unwrap();
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{target}: not an HTTP status line: {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let reply = Reply { status, headers, body: Vec::new() };
    let body = if let Some(length) = reply.header("content-length") {
        let mut body = vec![0; length.parse().unwrap()];
        reader.read_exact(&mut body).unwrap();
        body
    } else if reply.header("transfer-encoding") == Some("chunked") {
        read_chunked(reader)
    } else {
        // Neither: the body ends with the connection.
        let mut body = Vec::new();
        reader.read_to_end(&mut body).unwrap();
        body
    };
    Reply { body, ..reply }
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A built site: the app, its 404 page (the app again, as GitHub Pages serves it), and data.
fn site_in(dir: &Path) {
    write(dir, "index.html", b"<!DOCTYPE html><title>app</title>");
    write(dir, "404.html", b"<!DOCTYPE html><title>app, routing</title>");
    // Kazakh text, repeated: compressible, and bytes that must come back unchanged.
    let grades = "question_id,model,notes\n".to_owned() + &"12,qwen3,Жауап дұрыс және толық.\n".repeat(400);
    write(dir, "data/grades.csv", grades.as_bytes());
    write(dir, "data/manifest.json", br#"{"files": []}"#);
    write(dir, "left_behind_web-0123_bg.wasm", b"\0asm\x01\0\0\0");
    write(dir, "left_behind_web-0123.js", b"export default function init() {}");
    write(dir, "style.css", b"body { margin: 0 }");
}

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    site_in(dir.path());
    dir
}

fn connect(server: &Server) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    BufReader::new(stream)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut plain).unwrap();
    plain
}

#[test]
fn compresses_as_the_browser_asks_on_one_kept_alive_connection() {
    let dir = site();
    let original = std::fs::read(dir.path().join("data/grades.csv")).unwrap();
    let server = Server::start(&[Mount::new("/left-behind/", dir.path().to_owned())], 0).unwrap();
    let mut connection = connect(&server);

    let brotli = request(&mut connection, "/left-behind/data/grades.csv", Some("gzip, deflate, br, zstd"));
    assert_eq!(brotli.status, 200);
    assert_eq!(brotli.header("content-encoding"), Some("br"));
    assert!(brotli.body.len() * 10 < original.len(), "brotli: {} of {} bytes", brotli.body.len(), original.len());

    let gzip = request(&mut connection, "/left-behind/data/grades.csv", Some("gzip"));
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&gzip.body), original);

    let plain = request(&mut connection, "/left-behind/data/grades.csv", None);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, original);
    assert_eq!(plain.header("cache-control"), Some("no-cache"));
    assert!(plain.header("content-type").is_some_and(|kind| kind.starts_with("text/csv")));
}

#[test]
fn gzip_only_never_answers_brotli() {
    let dir = site();
    let server = Server::start_with(&[Mount::new("/", dir.path().to_owned())], 0, Encodings::GzipOnly).unwrap();
    let reply = request(&mut connect(&server), "/data/grades.csv", Some("gzip, deflate, br, zstd"));
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
}

#[test]
fn deep_links_get_the_sites_404_page_and_other_paths_plain_404() {
    let dir = site();
    let server = Server::start(&[Mount::new("/left-behind", dir.path().to_owned())], 0).unwrap();
    let mut connection = connect(&server);
    let index = request(&mut connection, "/left-behind/", None);
    assert_eq!((index.status, index.body.as_slice()), (200, &b"<!DOCTYPE html><title>app</title>"[..]));
    let deep = request(&mut connection, "/left-behind/responses/C3/qwen3/12?model=qwen3", None);
    assert_eq!(deep.status, 404);
    assert_eq!(deep.body, b"<!DOCTYPE html><title>app, routing</title>");
    let escape = request(&mut connection, "/left-behind/../../etc/passwd", None);
    assert_eq!(escape.status, 404);
    assert!(!String::from_utf8_lossy(&escape.body).contains("root:"));
    let outside = request(&mut connection, "/elsewhere/index.html", None);
    assert_eq!(outside.status, 404);
}

#[test]
fn each_kind_of_file_is_served_with_its_content_type() {
    let dir = site();
    let server = Server::start(&[Mount::new("/left-behind/", dir.path().to_owned())], 0).unwrap();
    let mut connection = connect(&server);
    for (path, content_type) in [
        ("/left-behind/", "text/html"),
        ("/left-behind/index.html", "text/html"),
        ("/left-behind/data/grades.csv", "text/csv"),
        ("/left-behind/data/manifest.json", "application/json"),
        // Browsers compile WebAssembly while it downloads only when it comes as application/wasm.
        ("/left-behind/left_behind_web-0123_bg.wasm", "application/wasm"),
        ("/left-behind/left_behind_web-0123.js", "text/javascript"),
        ("/left-behind/style.css", "text/css"),
    ] {
        let reply = request(&mut connection, path, None);
        assert_eq!(reply.status, 200, "{path}");
        let served = reply.header("content-type").unwrap_or_default();
        assert!(served.starts_with(content_type), "{path}: {served:?}, not {content_type}");
        let file = if path.ends_with('/') { "index.html" } else { path.trim_start_matches("/left-behind/") };
        assert_eq!(reply.body, std::fs::read(dir.path().join(file)).unwrap(), "{path}");
    }
}

/// What sits beside the served directory and must never be served from it.
const SECRET: &str = "SECRET-BESIDE-THE-SITE 4f1c";

/// The ways a request path can try to reach `secret.txt` beside `site/`, for a site mounted at `base`
/// (`""` or `/left-behind`); `absolute` is the secret's absolute path on disk.
fn escapes(base: &str, absolute: &str) -> Vec<String> {
    let absolute_encoded = absolute.replace('/', "%2f");
    [
        "/../secret.txt".to_owned(),
        "/../../secret.txt".to_owned(),
        "/data/../../secret.txt".to_owned(),
        "/./../secret.txt".to_owned(),
        // `..` percent-encoded: decoded after routing, it must still be refused.
        "/%2e%2e/secret.txt".to_owned(),
        "/%2E%2E/secret.txt".to_owned(),
        "/.%2e/secret.txt".to_owned(),
        "/data/%2e%2e/%2e%2e/secret.txt".to_owned(),
        // The slash encoded: one segment to the router, two to the file system once decoded.
        "/..%2fsecret.txt".to_owned(),
        "/..%2Fsecret.txt".to_owned(),
        "/data/..%2f..%2fsecret.txt".to_owned(),
        "/%2e%2e%2fsecret.txt".to_owned(),
        "/%2e%2e%2f%2e%2e%2fsecret.txt".to_owned(),
        // Backslashes, which Windows would read as separators.
        "/..%5csecret.txt".to_owned(),
        "/data/..%5c..%5csecret.txt".to_owned(),
        // Absolute paths: joined onto the site's directory, an absolute path would replace it.
        format!("/{absolute}"),
        format!("//{absolute}"),
        format!("/{absolute_encoded}"),
        format!("/%2f{}", absolute.trim_start_matches('/')),
        // A NUL byte, which ends a path in C.
        "/index.html%00/../../secret.txt".to_owned(),
    ]
    .into_iter()
    .map(|path| format!("{base}{path}"))
    .collect()
}

#[test]
fn no_path_reaches_a_file_outside_the_served_directory() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("site");
    site_in(&site);
    write(root.path(), "secret.txt", SECRET.as_bytes());
    let secret = root.path().join("secret.txt").canonicalize().unwrap();
    let absolute = secret.to_str().unwrap();
    assert!(absolute.starts_with('/'), "{absolute}");

    // The control: a server of the parent directory serves the file, and the check below sees it.
    let parent = Server::start(&[Mount::new("/", root.path().to_owned())], 0).unwrap();
    let reachable = request(&mut connect(&parent), "/secret.txt", None);
    assert_eq!((reachable.status, reachable.text()), (200, SECRET.to_owned()));
    drop(parent);

    for base in ["/", "/left-behind/"] {
        let server = Server::start(&[Mount::new(base, site.clone())], 0).unwrap();
        let base = base.trim_end_matches('/');
        let mut kept_alive = connect(&server);
        assert_eq!(request(&mut kept_alive, &format!("{base}/data/grades.csv"), None).status, 200);
        for target in escapes(base, absolute) {
            // A fresh connection each: a server may close one after refusing a request.
            for accept_encoding in [None, Some("gzip")] {
                let reply = request(&mut connect(&server), &target, accept_encoding);
                assert!(
                    matches!(reply.status, 400 | 404),
                    "{target}: status {} (only 400 or 404 may answer a path out of the site)",
                    reply.status
                );
                let body = match reply.header("content-encoding") {
                    Some("gzip") => gunzip(&reply.body),
                    Some(other) => panic!("{target}: the refusal is encoded as {other}"),
                    None => reply.body,
                };
                assert!(!String::from_utf8_lossy(&body).contains("SECRET-BESIDE"), "{target}: served the secret");
            }
        }
        // The same paths on a connection kept alive: a refusal does not leave it in a state where the
        // next request is read differently.
        for target in escapes(base, absolute) {
            let reply = request(&mut kept_alive, &target, None);
            assert!(matches!(reply.status, 400 | 404), "{target} (kept alive): status {}", reply.status);
            assert!(!reply.text().contains("SECRET-BESIDE"), "{target} (kept alive): served the secret");
            if reply.status == 400 {
                kept_alive = connect(&server);
            }
        }
    }
}

#[test]
fn absolute_form_and_relative_request_targets_do_not_leave_the_site() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("site");
    site_in(&site);
    write(root.path(), "secret.txt", SECRET.as_bytes());
    let server = Server::start(&[Mount::new("/", site)], 0).unwrap();
    let port = server.port;
    for target in [
        format!("http://127.0.0.1:{port}/../secret.txt"),
        format!("http://127.0.0.1:{port}/%2e%2e/secret.txt"),
        format!("http://127.0.0.1:{port}/..%2fsecret.txt"),
        "../secret.txt".to_owned(),
        "..%2fsecret.txt".to_owned(),
    ] {
        let reply = request(&mut connect(&server), &target, None);
        assert!(matches!(reply.status, 400 | 404), "{target}: status {}", reply.status);
        assert!(!reply.text().contains("SECRET-BESIDE"), "{target}: served the secret");
    }
    // The absolute form is a path like any other.
    let absolute = request(&mut connect(&server), &format!("http://127.0.0.1:{port}/data/grades.csv"), None);
    assert_eq!(absolute.status, 200);
    // A target without a path is the authority form, which only CONNECT may use: malformed.
    for target in ["secret.txt", "127.0.0.1:1"] {
        let reply = request(&mut connect(&server), target, None);
        assert_eq!(reply.status, 400, "{target}");
        assert!(!reply.text().contains("SECRET-BESIDE"), "{target}: served the secret");
    }
}
