import { readDataLimits, type DataLimits } from '../src/node/data-limits.ts';

/**
 * The server's data limits from the environment, for a command that reads the data folder: what it
 * accepts is then exactly what the server accepts. A bad setting is printed and the command exits 1.
 */
export function dataLimitsOrExit(env: Readonly<Record<string, string | undefined>> = process.env): DataLimits {
  const { limits, problems } = readDataLimits(env);
  for (const problem of problems) console.error(problem);
  if (problems.length) process.exit(1);
  return limits;
}
