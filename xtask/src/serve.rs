//! `cargo xtask serve`: serves built sites on 127.0.0.1 as real static hosts do (GitHub Pages,
//! Netlify, a CDN): files by path below a base, the site's `404.html` (with status 404) for anything
//! else, gzip or brotli as the browser asks, connections kept alive. It runs no code of the site's:
//! the explorer is static files.
//!
//! axum hosts tower-http's `ServeDir` (paths, `..` refused, content types, `Last-Modified`) and
//! `CompressionLayer`; this module only mounts sites below their bases and runs the server on a
//! thread of its own, so that tests and benchmarks start one and drop it.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::workspace::normalize_base;

/// A site served below a URL path.
#[derive(Debug, Clone)]
pub struct Mount {
    /// `/` or `/left-behind/`.
    pub base: String,
    pub dir: PathBuf,
}

impl Mount {
    pub fn new(base: &str, dir: PathBuf) -> Mount {
        Mount { base: normalize_base(base), dir }
    }
}

/// Which encodings the server offers (it uses the one the browser prefers among them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encodings {
    /// gzip and brotli: `cargo xtask serve` and the tests.
    GzipAndBrotli,
    /// gzip only, as GitHub Pages and most static hosts: what the network benchmarks measure.
    GzipOnly,
}

/// A running server; it stops when dropped.
pub struct Server {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub port: u16,
}

impl Server {
    /// Starts serving `mounts` on 127.0.0.1:`port` (0: a free port) with gzip and brotli.
    pub fn start(mounts: &[Mount], port: u16) -> anyhow::Result<Server> {
        Server::start_with(mounts, port, Encodings::GzipAndBrotli)
    }

    /// Starts serving `mounts` on 127.0.0.1:`port` (0: a free port) in a background thread.
    pub fn start_with(mounts: &[Mount], port: u16, encodings: Encodings) -> anyhow::Result<Server> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        listener.set_nonblocking(true).context("cannot make the listener non-blocking")?;
        let address: SocketAddr = listener.local_addr().context("the server has no address")?;
        let app = router(mounts, encodings);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("xtask-serve")
            .enable_all()
            .build()
            .context("cannot start the server's runtime")?;
        let thread = std::thread::Builder::new()
            .name("xtask-serve".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(error) => {
                            eprintln!("error: the server cannot use its listener: {error}");
                            return;
                        }
                    };
                    // Stopping drops the runtime, and with it every open (kept-alive) connection: a
                    // browser that still holds one must not keep the process waiting.
                    tokio::select! {
                        served = axum::serve(listener, app) => {
                            if let Err(error) = served {
                                eprintln!("error: the server stopped: {error}");
                            }
                        }
                        _ = stopped => {}
                    }
                });
            })
            .context("cannot start the server's thread")?;
        Ok(Server { stop: Some(stop), thread: Some(thread), port: address.port() })
    }

    pub fn url(&self, base: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, normalize_base(base))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves until the process is stopped (Ctrl-C).
pub fn serve_forever(mounts: &[Mount], port: u16) -> anyhow::Result<()> {
    for mount in mounts {
        if !mount.dir.join("index.html").is_file() {
            anyhow::bail!("{} holds no site: build one with `cargo xtask site`", mount.dir.display());
        }
    }
    let server = Server::start(mounts, port)?;
    for mount in mounts {
        println!("serving {} at {}", mount.dir.display(), server.url(&mount.base));
    }
    println!("press Ctrl-C to stop");
    loop {
        std::thread::park();
    }
}

/// Each site below its base; anything outside every base is a plain 404.
fn router(mounts: &[Mount], encodings: Encodings) -> Router {
    let mut router = Router::new();
    for mount in mounts {
        // As GitHub Pages does: an unknown path gets the site's 404.html, which is the app, and it
        // routes the path, so that a deep link (`/left-behind/responses/C3/qwen3/7`) opens its view.
        let site = ServeDir::new(&mount.dir).not_found_service(ServeFile::new(mount.dir.join("404.html")));
        router = if mount.base == "/" {
            router.fallback_service(site)
        } else {
            router.nest_service(mount.base.trim_end_matches('/'), site)
        };
    }
    // Brotli's default quality (11) takes seconds over the dataset; 5 compresses better than gzip's
    // default in about its time (and gzip at 5 is within 1% of its default's size).
    let compression = CompressionLayer::new()
        .gzip(true)
        .br(encodings == Encodings::GzipAndBrotli)
        .quality(CompressionLevel::Precise(5));
    router
        // The dataset may be rebuilt between page loads: revalidate instead of trusting a cache. (The
        // site's service worker keeps its own copies for offline use.)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(compression)
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use super::*;

    /// One response read off a kept-alive connection: status, headers (lowercased names), body.
    struct Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Reply {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
        }
    }

    fn request(reader: &mut BufReader<TcpStream>, path: &str, accept_encoding: Option<&str>) -> Reply {
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if let Some(encodings) = accept_encoding {
            request.push_str(&format!("Accept-Encoding: {encodings}\r\n"));
        }
        request.push_str("\r\n");
        reader.get_mut().write_all(request.as_bytes()).unwrap();
        let mut status_line = String::new();
        reader.read_line(&mut status_line).unwrap();
        let status = status_line.split_whitespace().nth(1).unwrap().parse().unwrap();
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
        } else {
            assert_eq!(reply.header("transfer-encoding"), Some("chunked"), "{path}: neither length nor chunks");
            read_chunked(reader)
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

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html><title>app</title>").unwrap();
        std::fs::write(dir.path().join("404.html"), "<!DOCTYPE html><title>app, routing</title>").unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        // Kazakh text, repeated: compressible, and bytes that must come back unchanged.
        let grades = "question_id,model,notes\n".to_owned() + &"12,qwen3,Жауап дұрыс және толық.\n".repeat(400);
        std::fs::write(dir.path().join("data/grades.csv"), grades).unwrap();
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
}
