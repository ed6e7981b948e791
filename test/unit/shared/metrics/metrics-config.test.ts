import { describe, expect, it } from 'vitest';
import { ConfigError } from '#shared/errors.ts';
import { METRICS_CONFIG_KEYS, readMetricsConfig } from '#shared/metrics/config.ts';
import { noopMetrics } from '#shared/metrics/metrics.ts';
import { metricsFromConfig } from '#shared/metrics/metrics-from-config.ts';

function refusal(source: Record<string, string>): ConfigError {
  try {
    readMetricsConfig(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('metrics configuration', () => {
  it('lists the platform keys Terraform and the local cloud set', () => {
    expect(METRICS_CONFIG_KEYS).toEqual([
      'METRICS_BACKEND',
      'METRICS_NAMESPACE',
      'METRICS_COMPARTMENT_ID',
      'METRICS_INGESTION_ENDPOINT',
      'METRICS_PUSH_URL',
      'METRICS_FLUSH_SECONDS',
    ]);
  });

  it('records nothing by default', () => {
    const config = readMetricsConfig({});
    expect(config).toMatchObject({
      METRICS_BACKEND: 'none',
      METRICS_NAMESPACE: 'forgecast',
      METRICS_FLUSH_SECONDS: 60,
    });
    expect(metricsFromConfig(config)).toBe(noopMetrics);
  });

  it('needs the compartment and the ingestion endpoint for oci, and the URL for push', () => {
    expect(
      refusal({ METRICS_BACKEND: 'oci', METRICS_COMPARTMENT_ID: 'ocid1.compartment.oc1..x' }).variables,
    ).toEqual(['METRICS_COMPARTMENT_ID', 'METRICS_INGESTION_ENDPOINT']);
    expect(refusal({ METRICS_BACKEND: 'push' }).variables).toEqual(['METRICS_PUSH_URL']);
    const oci = readMetricsConfig({
      METRICS_BACKEND: 'oci',
      METRICS_COMPARTMENT_ID: 'ocid1.compartment.oc1..x',
      METRICS_INGESTION_ENDPOINT: 'https://telemetry-ingestion.eu-frankfurt-1.oraclecloud.com',
    });
    expect(oci.METRICS_BACKEND).toBe('oci');
  });

  it('refuses namespaces OCI refuses', () => {
    for (const namespace of ['oci_forgecast', 'Oracle_x', '9forgecast', 'forge-cast', 'forge cast']) {
      expect(refusal({ METRICS_NAMESPACE: namespace }).variables, namespace).toEqual(['METRICS_NAMESPACE']);
    }
    expect(readMetricsConfig({ METRICS_NAMESPACE: 'forgecast_staging' }).METRICS_NAMESPACE).toBe(
      'forgecast_staging',
    );
    expect(refusal({ METRICS_BACKEND: 'statsd' }).variables).toEqual(['METRICS_BACKEND']);
    expect(refusal({ METRICS_FLUSH_SECONDS: '0' }).variables).toEqual(['METRICS_FLUSH_SECONDS']);
  });
});
