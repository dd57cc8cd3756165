//! DescribeConfigs and IncrementalAlterConfigs: a broker's own configs are asked of that broker,
//! everything else of any broker.

use std::collections::BTreeMap;

use super::{check, items, Client, Deadline, Round, Target, RESOURCE_BROKER, RESOURCE_BROKER_LOGGER};
use crate::error::{Error, Result};
use crate::protocol::messages::describe_configs_request::DescribeConfigsResource;
use crate::protocol::messages::incremental_alter_configs_request::{AlterConfigsResource, AlterableConfig};
use crate::protocol::messages::{DescribeConfigsRequest, IncrementalAlterConfigsRequest};
use crate::protocol::Request;

/// A config resource: a type (RESOURCE_TOPIC, RESOURCE_BROKER...) and a name (the topic, or the
/// broker id in decimal; "" for the cluster-wide broker defaults).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigResource {
    pub resource_type: i8,
    pub name: String,
}

/// One config of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: String,
    /// None for a sensitive config or one without a value.
    pub value: Option<String>,
    pub read_only: bool,
    pub is_sensitive: bool,
    /// Kafka's ConfigSource: 1 topic, 2 dynamic broker, 3 dynamic default broker, 4 static
    /// broker, 5 default, 6 dynamic broker logger, 7 client metrics, 8 group, 0 unknown.
    pub source: i8,
}

/// DEFAULT_CONFIG: the value is Kafka's default.
pub const SOURCE_DEFAULT: i8 = 5;

/// A resource's configs (empty for IncrementalAlterConfigs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigResourceResult {
    pub resource: ConfigResource,
    pub entries: Vec<ConfigEntry>,
}

/// One change of IncrementalAlterConfigs: `op` is 0 SET, 1 DELETE (back to the default),
/// 2 APPEND, 3 SUBTRACT (list configs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterConfigOp {
    pub resource: ConfigResource,
    pub name: String,
    pub value: Option<String>,
    pub op: i8,
}

fn target(r: &ConfigResource) -> Result<Target> {
    if r.resource_type == RESOURCE_BROKER || r.resource_type == RESOURCE_BROKER_LOGGER {
        if r.name.is_empty() {
            return Ok(Target::Any); // the cluster-wide default: any broker answers
        }
        return r.name.parse::<i32>().map(Target::Broker).map_err(|_| {
            Error::invalid_arg(format!("broker resource name \"{}\" is not a broker id", r.name))
        });
    }
    Ok(Target::Any)
}

impl Client {
    /// Sends one request per target, built from that target's resources, and gathers each
    /// resource's outcome. A resource that cannot be routed gets its own error.
    async fn config_round<R: Request, V>(
        &self,
        ask: Vec<ConfigResource>,
        build: impl Fn(&[ConfigResource]) -> R,
        extract: impl Fn(R::Response) -> Vec<(ConfigResource, Result<V>)>,
    ) -> Round<ConfigResource, V> {
        let mut out = Vec::new();
        let mut by_target: BTreeMap<Target, Vec<ConfigResource>> = BTreeMap::new();
        for r in ask {
            match target(&r) {
                Ok(t) => by_target.entry(t).or_default().push(r),
                Err(e) => out.push((r, Err(e))),
            }
        }
        let reqs: Vec<(Target, R)> = by_target.iter().map(|(t, rs)| (*t, build(rs))).collect();
        for ((_, rs), resp) in by_target.into_iter().zip(self.fan_out(&reqs, R::MAX_VERSION).await) {
            match resp {
                Ok(r) => out.extend(extract(r)),
                Err(e) => out.extend(rs.into_iter().map(|r| (r, Err(e.clone())))),
            }
        }
        Ok(items(out))
    }

    /// The configs of each resource, in order, each with its own error. `names` limits the
    /// configs returned (empty = all).
    pub async fn describe_configs(
        &self,
        resources: &[ConfigResource],
        names: &[String],
        deadline: Deadline,
    ) -> Result<Vec<Result<ConfigResourceResult>>> {
        if resources.is_empty() {
            return Err(Error::invalid_arg("no resource to describe"));
        }
        let keys = (!names.is_empty()).then(|| names.to_vec());
        Ok(self
            .retry_items(deadline, resources, |_, ask| {
                let keys = keys.clone();
                Box::pin(self.config_round(
                    ask,
                    move |rs| {
                        DescribeConfigsRequest {
                            resources: rs
                                .iter()
                                .map(|r| DescribeConfigsResource {
                                    resource_type: r.resource_type,
                                    resource_name: r.name.clone(),
                                    configuration_keys: keys.clone(),
                                    ..Default::default()
                                })
                                .collect(),
                            ..Default::default()
                        }
                    },
                    |resp| {
                        resp.results
                            .into_iter()
                            .map(|r| {
                                let resource =
                                    ConfigResource { resource_type: r.resource_type, name: r.resource_name };
                                let what = format!("describe configs of {}", describe(&resource));
                                let entries = r
                                    .configs
                                    .into_iter()
                                    .map(|c| ConfigEntry {
                                        name: c.name,
                                        value: c.value,
                                        read_only: c.read_only,
                                        is_sensitive: c.is_sensitive,
                                        source: c.config_source,
                                    })
                                    .collect();
                                let result = check(r.error_code, r.error_message, || what)
                                    .map(|_| ConfigResourceResult { resource: resource.clone(), entries });
                                (resource, result)
                            })
                            .collect()
                    },
                ))
            })
            .await)
    }

    /// Applies config changes, grouped by resource; one result per distinct resource, in the
    /// order each first appears in `ops`.
    pub async fn incremental_alter_configs(
        &self,
        ops: &[AlterConfigOp],
        validate_only: bool,
        deadline: Deadline,
    ) -> Result<Vec<(ConfigResource, Result<()>)>> {
        if ops.is_empty() {
            return Err(Error::invalid_arg("no config change given"));
        }
        let mut resources: Vec<ConfigResource> = Vec::new();
        for o in ops {
            if !(0..=3).contains(&o.op) {
                return Err(Error::invalid_arg(format!(
                    "config operation {} of {} is not 0..3",
                    o.op, o.name
                )));
            }
            if o.name.is_empty() {
                return Err(Error::invalid_arg("a config name is empty"));
            }
            if !resources.contains(&o.resource) {
                resources.push(o.resource.clone());
            }
        }
        let results = self
            .retry_items(deadline, &resources, |_, ask| {
                Box::pin(self.config_round(
                    ask,
                    |rs| {
                        IncrementalAlterConfigsRequest {
                            resources: rs
                                .iter()
                                .map(|r| AlterConfigsResource {
                                    resource_type: r.resource_type,
                                    resource_name: r.name.clone(),
                                    configs: ops
                                        .iter()
                                        .filter(|o| &o.resource == r)
                                        .map(|o| AlterableConfig {
                                            name: o.name.clone(),
                                            config_operation: o.op,
                                            value: o.value.clone(),
                                            ..Default::default()
                                        })
                                        .collect(),
                                    ..Default::default()
                                })
                                .collect(),
                            validate_only,
                            ..Default::default()
                        }
                    },
                    |resp| {
                        resp.responses
                            .into_iter()
                            .map(|r| {
                                let resource =
                                    ConfigResource { resource_type: r.resource_type, name: r.resource_name };
                                let what = format!("alter configs of {}", describe(&resource));
                                (resource, check(r.error_code, r.error_message, || what))
                            })
                            .collect()
                    },
                ))
            })
            .await;
        Ok(resources.into_iter().zip(results).collect())
    }
}

fn describe(r: &ConfigResource) -> String {
    match r.resource_type {
        2 => format!("topic {}", r.name),
        4 => format!("broker {}", r.name),
        8 => format!("broker logger {}", r.name),
        t => format!("resource {} of type {t}", r.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_resources_go_to_their_broker() {
        let r = |t, n: &str| ConfigResource { resource_type: t, name: n.into() };
        assert_eq!(target(&r(2, "t")).unwrap(), Target::Any);
        assert_eq!(target(&r(4, "3")).unwrap(), Target::Broker(3));
        assert_eq!(target(&r(4, "")).unwrap(), Target::Any);
        assert_eq!(target(&r(8, "x")).unwrap_err().code(), crate::error::code::INVALID_ARG);
    }
}
