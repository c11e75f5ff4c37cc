//! Serving connections: the accept loop, TLS handshakes, HTTP/1.1 with a
//! header read timeout, and a shutdown that lets requests being handled
//! finish but does not wait on idle or stalled connections. Generic over the
//! service; imports nothing of the crate.

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

/// How a connection is served.
#[derive(Clone)]
pub(crate) struct ConnectionSettings {
    /// `None`: plain HTTP.
    pub tls: Option<TlsAcceptor>,
    /// How long a client may take to send a request's headers (and, over
    /// TLS, to finish the handshake) before the connection is closed.
    pub header_read_timeout: Duration,
    /// How long [`serve`] waits, once told to stop, for requests being
    /// handled before it closes their connections.
    pub shutdown_grace: Duration,
    /// How many connections are open right now (read by
    /// `Emulator::open_connections`).
    pub open: Arc<AtomicUsize>,
}

/// Counts a connection as open while it lives.
struct OpenGuard(Arc<AtomicUsize>);

impl OpenGuard {
    fn new(open: &Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(open))
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many requests are being handled right now.
#[derive(Debug)]
pub(crate) struct InFlight {
    count: watch::Sender<usize>,
}

impl Default for InFlight {
    fn default() -> Self {
        Self {
            count: watch::channel(0).0,
        }
    }
}

impl InFlight {
    fn enter(self: &Arc<Self>) -> InFlightGuard {
        self.count.send_modify(|n| *n += 1);
        InFlightGuard(Arc::clone(self))
    }

    /// Waits until no request is being handled.
    async fn idle(&self) {
        let mut count = self.count.subscribe();
        let _ = count.wait_for(|n| *n == 0).await;
    }
}

struct InFlightGuard(Arc<InFlight>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.count.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Accepts connections on `listener` and serves `app` on each until `stop`
/// fires (or its sender is dropped). Then it stops accepting and closes the
/// listener, asks every connection to finish, waits for requests being
/// handled (at most `shutdown_grace`) and closes whatever is left.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    settings: ConnectionSettings,
    mut stop: oneshot::Receiver<()>,
) -> io::Result<()> {
    let in_flight = Arc::new(InFlight::default());
    let (shutdown, shutting_down) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(
                        stream,
                        app.clone(),
                        settings.clone(),
                        Arc::clone(&in_flight),
                        shutting_down.clone(),
                    ));
                }
                Err(e) => {
                    // e.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = shutdown.send(true);
    if tokio::time::timeout(settings.shutdown_grace, in_flight.idle())
        .await
        .is_err()
    {
        tracing::warn!("requests still running at shutdown; closing their connections");
    }
    // Answers already computed get a moment to be written.
    let _ = tokio::time::timeout(Duration::from_millis(100), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.shutdown().await;
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    app: Router,
    settings: ConnectionSettings,
    in_flight: Arc<InFlight>,
    mut shutting_down: watch::Receiver<bool>,
) {
    let _open = OpenGuard::new(&settings.open);
    let _ = stream.set_nodelay(true);
    match &settings.tls {
        None => {
            drive(
                TokioIo::new(stream),
                app,
                &settings,
                in_flight,
                shutting_down,
            )
            .await
        }
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(settings.header_read_timeout, acceptor.accept(stream));
            let stream = tokio::select! {
                result = handshake => match result {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!("TLS handshake timed out");
                        return;
                    }
                },
                _ = shutting_down.changed() => return,
            };
            drive(
                TokioIo::new(stream),
                app,
                &settings,
                in_flight,
                shutting_down,
            )
            .await;
        }
    }
}

async fn drive<I>(
    io: I,
    app: Router,
    settings: &ConnectionSettings,
    in_flight: Arc<InFlight>,
    mut shutting_down: watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = tower::service_fn(move |request: hyper::Request<Incoming>| {
        let guard = in_flight.enter();
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await;
            drop(guard);
            response
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .serve_connection(io, TowerToHyperService::new(service));
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        }
        _ = shutting_down.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
