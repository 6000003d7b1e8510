//! Counters and gauges for `/metrics`, kept and encoded by `prometheus-client` (the Prometheus
//! text format, version 0.0.4). Families are named when described and labelled when updated, so
//! the operators' code reads `metrics.inc("ciro_keeper_actions_total", &[("action", kind)])`.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// A metric family's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
}

type Labels = Vec<(String, String)>;

#[derive(Debug, Clone)]
enum Series {
    Counter(Family<Labels, Counter<f64, AtomicU64>>),
    Gauge(Family<Labels, Gauge<f64, AtomicU64>>),
}

#[derive(Debug, Default)]
struct Families {
    registry: Registry,
    series: BTreeMap<&'static str, Series>,
}

/// A set of metric families.
#[derive(Debug, Default)]
pub struct Metrics {
    families: Mutex<Families>,
}

fn owned(labels: &[(&str, &str)]) -> Labels {
    labels.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
}

impl Families {
    /// Registers `name` (a counter's name ends in `_total`, which the encoder adds back).
    fn register(&mut self, name: &'static str, kind: Kind, help: &str) -> Series {
        let series = match kind {
            Kind::Counter => {
                let family = Family::default();
                self.registry.register(name.strip_suffix("_total").unwrap_or(name), help, family.clone());
                Series::Counter(family)
            }
            Kind::Gauge => {
                let family = Family::default();
                self.registry.register(name, help, family.clone());
                Series::Gauge(family)
            }
        };
        self.series.insert(name, series.clone());
        series
    }

    /// The family `name`, registered as an undocumented gauge if nobody described it.
    fn series(&mut self, name: &'static str) -> Series {
        match self.series.get(name) {
            Some(series) => series.clone(),
            None => self.register(name, Kind::Gauge, ""),
        }
    }
}

impl Metrics {
    /// Declares a family; a series appears once it is first updated. Describing a name twice
    /// keeps the first description.
    pub fn describe(&self, name: &'static str, kind: Kind, help: &'static str) {
        let mut families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        if !families.series.contains_key(name) {
            families.register(name, kind, help.trim_end_matches('.'));
        }
    }

    fn series(&self, name: &'static str) -> Series {
        self.families.lock().unwrap_or_else(|p| p.into_inner()).series(name)
    }

    /// Adds `amount` to a counter or a gauge.
    pub fn add(&self, name: &'static str, labels: &[(&str, &str)], amount: f64) {
        match self.series(name) {
            Series::Counter(family) => {
                family.get_or_create(&owned(labels)).inc_by(amount);
            }
            Series::Gauge(family) => {
                family.get_or_create(&owned(labels)).inc_by(amount);
            }
        }
    }

    /// Adds one to a counter.
    pub fn inc(&self, name: &'static str, labels: &[(&str, &str)]) {
        self.add(name, labels, 1.0);
    }

    /// Sets a gauge (a counter only moves by [`add`](Self::add)).
    pub fn set(&self, name: &'static str, labels: &[(&str, &str)], value: f64) {
        match self.series(name) {
            Series::Counter(_) => {}
            Series::Gauge(family) => {
                family.get_or_create(&owned(labels)).set(value);
            }
        }
    }

    /// The current value (0 when never set).
    pub fn get(&self, name: &'static str, labels: &[(&str, &str)]) -> f64 {
        let families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        let labels = owned(labels);
        match families.series.get(name) {
            Some(Series::Counter(family)) => family.get(&labels).map_or(0.0, |c| c.get()),
            Some(Series::Gauge(family)) => family.get(&labels).map_or(0.0, |g| g.get()),
            None => 0.0,
        }
    }

    /// Every family in the Prometheus text format.
    pub fn render(&self) -> String {
        let families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_text::encode(&mut out, &families.registry);
        out
    }

    /// [`render`](Self::render) as the answer to `GET /metrics`.
    pub fn response(&self) -> crate::http::Response {
        crate::http::Response {
            status: 200,
            content_type: prometheus_text::CONTENT_TYPE.to_owned(),
            body: self.render().into_bytes(),
        }
    }
}

/// Seconds since a loop's last successful poll at `last`, and whether the loop counts as live for
/// `/health`: it polled within one `poll_interval` plus 30 s of grace.
pub fn liveness(last: Option<Instant>, poll_interval: Duration) -> (Option<f64>, bool) {
    let age = last.map(|t| t.elapsed().as_secs_f64());
    (age, age.is_some_and(|age| age < 30.0 + poll_interval.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_text_format() {
        let metrics = Metrics::default();
        metrics.describe("ciro_actions_total", Kind::Counter, "Transactions sent.");
        metrics.describe("ciro_lag_blocks", Kind::Gauge, "Blocks behind.");
        metrics.inc("ciro_actions_total", &[("action", "assign_job")]);
        metrics.inc("ciro_actions_total", &[("action", "assign_job")]);
        metrics.add("ciro_actions_total", &[("action", "say \"hi\"")], 0.5);
        metrics.set("ciro_lag_blocks", &[], 3.0);
        metrics.add("ciro_lag_blocks", &[], -1.0);
        assert_eq!(metrics.get("ciro_actions_total", &[("action", "assign_job")]), 2.0);
        assert_eq!(metrics.get("ciro_lag_blocks", &[]), 2.0);
        assert_eq!(metrics.get("ciro_unknown", &[]), 0.0);
        let text = metrics.render();
        for line in [
            "# HELP ciro_actions_total Transactions sent.",
            "# TYPE ciro_actions_total counter",
            "ciro_actions_total{action=\"assign_job\"} 2.0",
            "ciro_actions_total{action=\"say \\\"hi\\\"\"} 0.5",
            "# HELP ciro_lag_blocks Blocks behind.",
            "# TYPE ciro_lag_blocks gauge",
            "ciro_lag_blocks 2.0",
        ] {
            assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
        }
        assert_eq!(metrics.response().content_type, "text/plain; version=0.0.4; charset=utf-8");
    }
}
