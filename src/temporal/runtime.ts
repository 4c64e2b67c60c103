import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const sdkLevels: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };

/**
 * The SDK's own logger at the service's level, but never chattier than WARN at `info`: at INFO it
 * prints every bundled workflow module. `ownSignals` when the process drains itself on SIGTERM.
 */
export function installTemporalRuntime(logLevel: string, ownSignals: boolean): void {
  const level = logLevel === 'info' ? 'WARN' : (sdkLevels[logLevel] ?? 'WARN');
  Runtime.install({ logger: new DefaultLogger(level), ...(ownSignals ? { shutdownSignals: [] } : {}) });
}
