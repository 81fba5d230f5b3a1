//! Lingering close. When the emulator refuses a request without reading
//! all of its body (wrong token, body over the limit), closing the socket
//! with unread bytes in it makes the kernel send a reset, and a client that
//! is still uploading then loses the answer it was sent. So a closing
//! connection first says it is done writing, then reads and discards a
//! bounded amount for a bounded time (the client reads the answer
//! meanwhile), and only then closes.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Most a closing connection discards before it closes anyway.
const LINGER_BYTES: usize = 1024 * 1024;
/// Longest a closing connection waits for the client to finish.
const LINGER_TIME: Duration = Duration::from_secs(2);

pub struct LingeringListener(pub TcpListener);

impl Listener for LingeringListener {
    type Io = LingeringStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        (LingeringStream(Some(stream)), addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// The client's address, for handlers (`ConnectInfo<Peer>`).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, LingeringListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, LingeringListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

/// A TCP stream that closes lingeringly when dropped.
pub struct LingeringStream(Option<TcpStream>);

impl LingeringStream {
    fn inner(&mut self) -> Pin<&mut TcpStream> {
        Pin::new(self.0.as_mut().expect("present until dropped"))
    }
}

impl AsyncRead for LingeringStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.inner().poll_read(cx, buf)
    }
}

impl AsyncWrite for LingeringStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner().poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner().poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner().poll_shutdown(cx)
    }
    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        self.inner().poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.as_ref().is_some_and(|s| s.is_write_vectored())
    }
}

impl Drop for LingeringStream {
    fn drop(&mut self) {
        let (Some(stream), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current()) else { return };
        runtime.spawn(linger(stream));
    }
}

async fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let _ = tokio::time::timeout(LINGER_TIME, async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut discarded = 0;
        while discarded <= LINGER_BYTES {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => discarded += n,
            }
        }
        // Over the byte budget: stop reading, but still give the client
        // the rest of the time to read the answer before the reset.
        std::future::pending::<()>().await;
    })
    .await;
}
