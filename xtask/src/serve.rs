//! `cargo xtask serve`: a static file server on 127.0.0.1, behaving like a static host (GitHub Pages):
//! files by path below a base, `404.html` for anything else. It runs no code of the site's: the
//! explorer is static files.
//!
//! It is written on `std::net` (one thread per connection, one request per connection) because
//! tiny_http, tried first, left a browser's first requests on reused connections unanswered in about
//! one page load in three, which hung the browser tests.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;

use crate::site::normalize_base;

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

/// A running server; it stops when dropped.
pub struct Server {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub port: u16,
}

impl Server {
    /// Starts serving `mounts` on 127.0.0.1:`port` (0: a free port) in a background thread.
    pub fn start(mounts: &[Mount], port: u16) -> anyhow::Result<Server> {
        let listener =
            TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        let address = listener.local_addr().context("the server has no address")?;
        let mut mounts = mounts.to_vec();
        // Longest base first, so `/left-behind/` wins over `/`.
        mounts.sort_by_key(|mount| std::cmp::Reverse(mount.base.len()));
        let mounts = Arc::new(mounts);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let mounts = Arc::clone(&mounts);
                std::thread::spawn(move || {
                    let _ = handle(stream, &mounts);
                });
            }
        });
        Ok(Server { address, stop, thread: Some(thread), port: address.port() })
    }

    pub fn url(&self, base: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, normalize_base(base))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
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

/// Reads one request (the request line and headers; GET and HEAD have no body) and answers it.
fn handle(stream: TcpStream, mounts: &[Mount]) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let (status, content_type, body) = match method {
        "GET" | "HEAD" => respond(target, mounts),
        _ => (405, "text/plain; charset=utf-8", b"only GET and HEAD".to_vec()),
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let mut stream = stream;
    // The dataset may be rebuilt between page loads: revalidate instead of trusting a cache.
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    stream.flush()
}

/// The status, type and body for a request target (`/left-behind/data/manifest.json?v=1`).
fn respond(target: &str, mounts: &[Mount]) -> (u16, &'static str, Vec<u8>) {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned();
    let resolved = mounts.iter().find_map(|mount| {
        let base_without_slash = mount.base.trim_end_matches('/');
        let rest = if path == base_without_slash { Some("") } else { path.strip_prefix(&mount.base) };
        rest.map(|rest| (mount, rest.to_owned()))
    });
    match resolved {
        None => (404, "text/plain; charset=utf-8", b"not found".to_vec()),
        Some((mount, rest)) => match safe_join(&mount.dir, &rest) {
            Some(file) if file.is_file() => read(&file, 200),
            Some(dir) if dir.is_dir() && dir.join("index.html").is_file() => read(&dir.join("index.html"), 200),
            // As GitHub Pages does: the site's 404.html, which is the app, and it routes the path.
            _ if mount.dir.join("404.html").is_file() => read(&mount.dir.join("404.html"), 404),
            _ => (404, "text/plain; charset=utf-8", b"not found".to_vec()),
        },
    }
}

/// `dir/rest`, refusing `..` and absolute paths.
fn safe_join(dir: &Path, rest: &str) -> Option<PathBuf> {
    let relative = Path::new(rest);
    relative.components().all(|component| matches!(component, Component::Normal(_))).then(|| dir.join(relative))
}

fn read(file: &Path, status: u16) -> (u16, &'static str, Vec<u8>) {
    match std::fs::read(file) {
        Ok(bytes) => (status, content_type(file), bytes),
        Err(error) => (500, "text/plain; charset=utf-8", format!("cannot read the file: {error}").into_bytes()),
    }
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|extension| extension.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        // instantiateStreaming needs this exact type.
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
