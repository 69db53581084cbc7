//! Measures the latency of `bench-http-server`'s routes over one keep-alive connection on
//! loopback, one request at a time.
//!
//! ```text
//! bench-http-latency PORT COOKIE_HEADER SECONDS ROUTE...
//! ```
//!
//! The routes take turns request by request, so a slow moment of the machine falls on every
//! route alike, and each round starts one route later than the one before. The first second
//! is a warm-up and is not counted. Then it sends rounds for SECONDS (at most 86400) and
//! prints one line per route:
//!
//! ```text
//! ROUTE<TAB>{"requests":N,"duration_us":D,"latency_mean_us":M,"latency_p50_us":P,"latency_p99_us":Q,"errors":0}
//! ```
//!
//! where `duration_us` is the sum of the route's latencies, and the percentiles are by nearest
//! rank. The fields are those of the `wrk` report in `scripts/bench.sh`. Each latency runs
//! from the first byte written to the last byte of the response read. Exits with status 1
//! when a response is not `200 OK` or the connection fails.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const WARM_UP: Duration = Duration::from_secs(1);

/// The maximum of SECONDS: a day.
const MAX_SECONDS: f64 = 86_400.0;

struct Arguments {
    port: u16,
    cookie: String,
    duration: Duration,
    routes: Vec<String>,
}

fn parse_arguments() -> Option<Arguments> {
    let mut args = std::env::args().skip(1);
    let port = args.next()?.parse().ok()?;
    let cookie = args.next()?;
    let seconds: f64 = args.next()?.parse().ok()?;
    if !(0.0..=MAX_SECONDS).contains(&seconds) {
        return None;
    }
    let duration = Duration::try_from_secs_f64(seconds).ok()?;
    let routes: Vec<String> = args.collect();
    if routes.is_empty() {
        return None;
    }
    Some(Arguments {
        port,
        cookie,
        duration,
        routes,
    })
}

/// One keep-alive connection that sends a `GET` and reads its whole response.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    body: Vec<u8>,
}

impl Connection {
    fn open(port: u16) -> io::Result<Self> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
            body: Vec::new(),
        })
    }

    /// Sends `request` and reads the response, which must be `200 OK` with a
    /// `Content-Length`, as axum writes for a string body.
    fn exchange(&mut self, request: &[u8]) -> io::Result<()> {
        self.writer.write_all(request)?;
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(closed());
        }
        if !line.starts_with("HTTP/1.1 200 ") {
            return Err(invalid(format!(
                "expected a 200 response, got {:?}",
                line.trim_end()
            )));
        }
        let mut content_length = None;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(closed());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse::<usize>().ok();
                }
            }
        }
        let length = content_length
            .ok_or_else(|| invalid("the response has no valid Content-Length".to_owned()))?;
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body).map_err(|error| {
            if error.kind() == io::ErrorKind::UnexpectedEof {
                closed()
            } else {
                error
            }
        })
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the server closed the connection",
    )
}

/// Sends rounds of one request per route until `duration` has passed, at least one round,
/// and returns the latencies of each route in nanoseconds.
fn run(
    connection: &mut Connection,
    requests: &[Vec<u8>],
    duration: Duration,
) -> io::Result<Vec<Vec<u64>>> {
    let mut latencies = vec![Vec::new(); requests.len()];
    let end = Instant::now() + duration;
    let mut round = 0;
    loop {
        for turn in 0..requests.len() {
            let route = (round + turn) % requests.len();
            let start = Instant::now();
            connection.exchange(&requests[route])?;
            let nanos = start.elapsed().as_nanos();
            latencies[route].push(u64::try_from(nanos).unwrap_or(u64::MAX));
        }
        round += 1;
        if Instant::now() >= end {
            return Ok(latencies);
        }
    }
}

/// Returns the `percent`th percentile of `sorted` by nearest rank: the smallest value that
/// at least `percent`% of the values do not exceed. `sorted` must not be empty.
fn nearest_rank(sorted: &[u64], percent: usize) -> u64 {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Formats one route's line from its latencies in nanoseconds, of which `run` returns at
/// least one.
fn report_line(route: &str, latencies: &mut [u64]) -> String {
    latencies.sort_unstable();
    let count = latencies.len();
    let total: u64 = latencies.iter().sum();
    let micros = |nanos: u64| nanos as f64 / 1e3;
    format!(
        "{route}\t{{\"requests\":{count},\"duration_us\":{},\"latency_mean_us\":{:.3},\"latency_p50_us\":{:.3},\"latency_p99_us\":{:.3},\"errors\":0}}",
        total / 1000,
        micros(total) / count as f64,
        micros(nearest_rank(latencies, 50)),
        micros(nearest_rank(latencies, 99)),
    )
}

fn main() -> ExitCode {
    let Some(arguments) = parse_arguments() else {
        eprintln!("usage: bench-http-latency PORT COOKIE_HEADER SECONDS ROUTE... (SECONDS from 0 to 86400)");
        return ExitCode::from(2);
    };
    let requests: Vec<Vec<u8>> = arguments
        .routes
        .iter()
        .map(|route| {
            format!(
                "GET /{route} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\n\r\n",
                arguments.port, arguments.cookie
            )
            .into_bytes()
        })
        .collect();

    let result = Connection::open(arguments.port).and_then(|mut connection| {
        run(&mut connection, &requests, WARM_UP)?;
        run(&mut connection, &requests, arguments.duration)
    });
    match result {
        Ok(mut latencies) => {
            for (route, route_latencies) in arguments.routes.iter().zip(&mut latencies) {
                println!("{}", report_line(route, route_latencies));
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "error: the latency run against 127.0.0.1:{} failed: {error}",
                arguments.port
            );
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{Ipv4Addr, TcpListener};
    use std::thread::{self, JoinHandle};
    use std::time::Duration;

    use super::{nearest_rank, report_line, run, Connection};

    /// Serves one connection on a free loopback port with `200 OK` to every request, and
    /// returns the port and a thread that returns the request paths in the order received.
    fn record_paths() -> (u16, JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
        let port = listener.local_addr().expect("a local address").port();
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().expect("a connection");
            let mut writer = stream.try_clone().expect("a second handle");
            let mut reader = BufReader::new(stream);
            let mut paths = Vec::new();
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).expect("a request line") == 0 {
                    return paths;
                }
                if let Some(request) = line.strip_prefix("GET ") {
                    let path = request.split(' ').next().expect("a path");
                    paths.push(path.to_owned());
                } else if line == "\r\n" {
                    writer
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        .expect("the response is sent");
                }
            }
        });
        (port, server)
    }

    #[test]
    fn run_rotates_first_route_each_round() {
        let (port, server) = record_paths();
        let routes = ["/a", "/b", "/c"];
        let requests: Vec<Vec<u8>> = routes
            .iter()
            .map(|route| format!("GET {route} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes())
            .collect();

        let mut connection = Connection::open(port).expect("the connection opens");
        let latencies = run(&mut connection, &requests, Duration::from_millis(200)).unwrap();
        drop(connection);
        let paths = server.join().expect("the server thread finishes");

        // Round r sends route (r + t) % 3 at turn t, so every route is sent once a round and
        // each round starts one route later.
        let rounds = paths.len() / routes.len();
        assert!(rounds >= 2, "only {rounds} rounds in 200 ms");
        assert_eq!(paths.len(), rounds * routes.len());
        let expected: Vec<&str> = (0..rounds)
            .flat_map(|round| {
                (0..routes.len()).map(move |turn| routes[(round + turn) % routes.len()])
            })
            .collect();
        assert_eq!(paths, expected);
        for route_latencies in &latencies {
            assert_eq!(route_latencies.len(), rounds);
        }
    }

    #[test]
    fn report_line_in_microseconds() {
        let mut latencies = [2_500, 1_000, 3_250];
        let line = report_line("read", &mut latencies);
        assert_eq!(
            line,
            "read\t{\"requests\":3,\"duration_us\":6,\"latency_mean_us\":2.250,\"latency_p50_us\":2.500,\"latency_p99_us\":3.250,\"errors\":0}"
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(nearest_rank(&values, 50), 50);
        assert_eq!(nearest_rank(&values, 99), 99);
        assert_eq!(nearest_rank(&values, 100), 100);
        assert_eq!(nearest_rank(&[7, 9], 50), 7);
        assert_eq!(nearest_rank(&[7, 9], 99), 9);
        assert_eq!(nearest_rank(&[5], 50), 5);
        assert_eq!(nearest_rank(&[5], 0), 5);
    }
}
