import { z } from 'zod';

/** RFC 9457 problem details, as Upvest answers errors; OAuth's token endpoint answers RFC 6749 errors. */
const problemSchema = z.looseObject({
  type: z.string().optional(),
  status: z.number().optional(),
  title: z.string().optional(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  request_id: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

export type Problem = z.infer<typeof problemSchema>;

export class UpvestApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly upvestRequestId: string | undefined,
  ) {
    super(`Upvest answered ${status}${problem.title ? `: ${problem.title}` : ''}`);
  }
}

export async function apiErrorFrom(response: Response): Promise<UpvestApiError> {
  const text = await response.text();
  let problem: Problem = {};
  try {
    const parsed = problemSchema.safeParse(JSON.parse(text));
    if (parsed.success) problem = parsed.data;
  } catch {
    if (text.trim().length > 0) problem = { detail: text.trim().slice(0, 500) };
  }
  return new UpvestApiError(response.status, problem, response.headers.get('upvest-request-id') ?? undefined);
}

/** What an operator needs to act on: the status, what went wrong, and the ids support will ask for. */
export function describeProblem(error: UpvestApiError): string {
  const { problem } = error;
  const title = problem.title ?? problem.error;
  const lines = [`Upvest answered ${problem.status ?? error.status}${title ? `: ${title}` : ''}`];
  const detail = problem.detail ?? problem.error_description;
  if (detail) lines.push(`  detail: ${detail}`);
  if (problem.type) lines.push(`  type: ${problem.type}`);
  if (problem.instance) lines.push(`  instance: ${problem.instance}`);
  const requestId = problem.request_id ?? error.upvestRequestId;
  if (requestId) lines.push(`  request id: ${requestId}`);
  return lines.join('\n');
}
