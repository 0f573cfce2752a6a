//! Running a command's calls on a runtime of their own, so that Ctrl-C stops them cleanly: the
//! signal only raises a flag that the call tasks watch (a call waiting for its turn never starts; a
//! call in flight is abandoned, not recorded), and the command's writers save what has arrived.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;

/// Runs `work` on a new multi-threaded runtime. `work` gets the stop flag: the sender (for whatever
/// else should stop the calls, such as a writer that cannot save) and a receiver to watch. Ctrl-C
/// sets it. Tasks still running when `work` ends (calls abandoned by an interrupt) are not waited for.
pub fn block_on_interruptible<T, Work, Fut>(work: Work) -> anyhow::Result<T>
where
    Work: FnOnce(Arc<watch::Sender<bool>>, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    let result = runtime.block_on(async {
        let (stop, stopped) = watch::channel(false);
        let stop = Arc::new(stop);
        let on_interrupt = stop.clone();
        let interrupt = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = on_interrupt.send(true);
            }
        });
        let result = work(stop, stopped).await;
        interrupt.abort();
        result
    });
    runtime.shutdown_background();
    result
}
