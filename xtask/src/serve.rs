//! `cargo xtask serve`: a static file server on 127.0.0.1, behaving like a static host (GitHub Pages):
//! files by path below a base, `404.html` for anything else. It runs no code of the site's: the
//! explorer is static files.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

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

/// Requests answered at once. A browser opens several connections and may leave a large response
/// unread while it waits for another one; with a single worker that other one would never come.
const WORKERS: usize = 8;

/// A running server; it stops when dropped.
pub struct Server {
    server: Arc<tiny_http::Server>,
    workers: Vec<std::thread::JoinHandle<()>>,
    pub port: u16,
}

impl Server {
    /// Starts serving `mounts` on 127.0.0.1:`port` (0: a free port) in a background thread.
    pub fn start(mounts: &[Mount], port: u16) -> anyhow::Result<Server> {
        let server = tiny_http::Server::http(("127.0.0.1", port))
            .map_err(|error| anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {error}"))?;
        let port = server.server_addr().to_ip().context("the server has no IP address")?.port();
        let server = Arc::new(server);
        let mut mounts = mounts.to_vec();
        // Longest base first, so `/left-behind/` wins over `/`.
        mounts.sort_by_key(|mount| std::cmp::Reverse(mount.base.len()));
        let mounts = Arc::new(mounts);
        let workers = (0..WORKERS)
            .map(|_| {
                let listener = Arc::clone(&server);
                let mounts = Arc::clone(&mounts);
                std::thread::spawn(move || {
                    for request in listener.incoming_requests() {
                        respond(request, &mounts);
                    }
                })
            })
            .collect();
        Ok(Server { server, workers, port })
    }

    pub fn url(&self, base: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, normalize_base(base))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
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

fn respond(request: tiny_http::Request, mounts: &[Mount]) {
    let url = request.url().to_owned();
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned();
    let resolved = mounts.iter().find_map(|mount| {
        let base_without_slash = mount.base.trim_end_matches('/');
        let rest = if path == base_without_slash { Some("") } else { path.strip_prefix(&mount.base) };
        rest.map(|rest| (mount, rest.to_owned()))
    });
    let response = match resolved {
        None => not_found(None),
        Some((mount, rest)) => match safe_join(&mount.dir, &rest) {
            Some(file) if file.is_file() => file_response(&file, 200),
            Some(dir) if dir.is_dir() && dir.join("index.html").is_file() => {
                file_response(&dir.join("index.html"), 200)
            }
            _ => not_found(Some(&mount.dir)),
        },
    };
    let _ = request.respond(response);
}

/// `dir/rest`, refusing `..` and absolute paths.
fn safe_join(dir: &Path, rest: &str) -> Option<PathBuf> {
    let relative = Path::new(rest);
    relative.components().all(|component| matches!(component, Component::Normal(_))).then(|| dir.join(relative))
}

fn not_found(site: Option<&Path>) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    match site.map(|dir| dir.join("404.html")).filter(|page| page.is_file()) {
        Some(page) => file_response(&page, 404),
        None => tiny_http::Response::from_string("not found").with_status_code(404),
    }
}

fn file_response(file: &Path, status: u16) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    match std::fs::read(file) {
        Ok(bytes) => {
            let content_type =
                tiny_http::Header::from_bytes("Content-Type", content_type(file)).expect("a valid header");
            // The dataset may be rebuilt between page loads; revalidate instead of trusting a cache.
            let cache = tiny_http::Header::from_bytes("Cache-Control", "no-cache").expect("a valid header");
            tiny_http::Response::from_data(bytes).with_status_code(status).with_header(content_type).with_header(cache)
        }
        Err(error) => tiny_http::Response::from_string(format!("cannot read the file: {error}")).with_status_code(500),
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
