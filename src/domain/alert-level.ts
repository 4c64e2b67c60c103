/** How urgent an ops alert is: what we raise ourselves is an error; providers say so for theirs. */
export const alertLevels = ['info', 'warning', 'error', 'critical'] as const;

export type AlertLevel = (typeof alertLevels)[number];
