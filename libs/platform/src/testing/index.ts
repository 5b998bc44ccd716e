export { startTestApp, type TestApp, type TestAppOptions } from './app';
export { testContext, type PlatformTestContext } from './context';
export { startSmtpSink, type SmtpSink } from './smtp-sink';
export { waitFor } from './wait';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { exposedMetricNames, metricNamesIn } from './promql';
export { exchange, type RawExchange, type RawOutcome, type RawStep } from './raw-http';
export { launchChromium } from './chromium';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
