//! A TCP proxy in front of PostgreSQL that a test can cut and restore, to see the app
//! through a database outage.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

/// A switchable proxy to 127.0.0.1:5432.
pub struct Proxy {
    /// The port it listens on.
    pub port: u16,
    up: Arc<AtomicBool>,
    cut: broadcast::Sender<()>,
}

impl Proxy {
    /// Starts forwarding, on a thread of its own: the apps behind it keep their database
    /// while the test's own runtime is busy (stopping an app, say).
    pub async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("address").port();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = broadcast::channel(4);
        let (accept_up, accept_cut) = (up.clone(), cut.clone());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("listener");
                while let Ok((mut client, _)) = listener.accept().await {
                    if !accept_up.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let mut cut = accept_cut.subscribe();
                    tokio::spawn(async move {
                        let Ok(mut server) = TcpStream::connect("127.0.0.1:5432").await else { return };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = cut.recv() => {}
                        }
                    });
                }
            })
        });
        Self { port, up, cut }
    }

    /// A database URL through the proxy.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The database "goes down": open connections drop, new ones are refused.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        let _ = self.cut.send(());
    }

    /// The database is back.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}
