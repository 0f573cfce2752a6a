//! `cargo xtask serve`: serves built sites on 127.0.0.1 as real static hosts do (GitHub Pages,
//! Netlify, a CDN): files by path below a base, the site's `404.html` (with status 404) for anything
//! else, gzip or brotli as the browser asks, connections kept alive. It runs no code of the site's:
//! the explorer is static files.
//!
//! axum hosts tower-http's `ServeDir` (paths, `..` refused, content types, `Last-Modified`) and
//! `CompressionLayer`; this module only mounts sites below their bases, refuses request targets that
//! are not paths, and runs the server on a thread of its own, so that tests and benchmarks start one
//! and drop it. Its tests, over real sockets, are in `tests/serve.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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
        .layer(axum::middleware::from_fn(refuse_targets_without_a_path))
}

/// `GET secret.txt` is the authority form of a request target, which only CONNECT may use; hyper
/// passes it on with an empty path, and `ServeDir` answers 500 when it tries to redirect that to the
/// site's directory. It is a malformed request: 400, as for `GET ../secret.txt`.
async fn refuse_targets_without_a_path(request: Request, next: Next) -> Response {
    if request.uri().path().starts_with('/') {
        next.run(request).await
    } else {
        (StatusCode::BAD_REQUEST, "the request target is not a path\n").into_response()
    }
}
