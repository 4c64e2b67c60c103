import { isIP } from 'node:net';
import { z } from 'zod';

/** `a.b.c.d`, `a.b.c.d/n`, IPv6 alike; anything else is why, for the start-up message. */
function addressProblem(entry: string): string | null {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return `not an IP address or CIDR range: ${entry}`;
  if (prefix === undefined) return null;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return `prefix of ${entry} must be 0 to ${bits}`;
  return null;
}

const entries = (value: string) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);

/** Source addresses and CIDR ranges, IPv4 and IPv6; one bad entry stops start-up, named. */
export const addressList = z.string().transform((value, ctx) => {
  const list = entries(value);
  for (const entry of list) {
    const problem = addressProblem(entry);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }
  return list;
});

/** Subnets Express names (proxy-addr): 127.0.0.1/8 and ::1; 169.254.0.0/16 and fe80::/10; RFC 1918 and fc00::/7. */
const namedSubnets: ReadonlySet<string> = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Express's `trust proxy` in the forms that cannot be talked into believing a client: the number of
 * proxies in front (Express then takes the entry the outermost of them appended), or the proxies'
 * own addresses, CIDR ranges or Express's subnet names (the first untrusted hop from the right is
 * the client). `true` takes the left-most X-Forwarded-For entry, which the client writes itself.
 */
export const trustProxySchema = z
  .string()
  .trim()
  .transform((value, ctx): false | number | string[] => {
    if (value === 'false' || value === '0') return false;
    if (/^\d+$/.test(value)) return Number(value);
    if (/^(true|yes|on)$/i.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'a bare true would believe the left-most X-Forwarded-For entry, which any client writes; give the number of proxies in front (e.g. 1) or their addresses/CIDRs (e.g. loopback,10.0.0.0/8)',
      });
      return z.NEVER;
    }
    const list = entries(value);
    for (const entry of list) {
      if (namedSubnets.has(entry)) continue;
      const problem = addressProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (a hop count, or addresses, CIDRs, loopback, linklocal, uniquelocal)` });
    }
    return list;
  });

export type TrustProxy = z.infer<typeof trustProxySchema>;
