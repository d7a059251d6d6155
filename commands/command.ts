/**
 * What every operator command shares: the outcome of parsing its arguments, and the way it
 * answers --help (usage on stdout, exit 0) and a usage error (the error and the usage on stderr,
 * exit 2) before doing anything.
 */

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export type ParsedArgs<Options> =
  | { readonly options: Options }
  | { readonly help: true }
  | { readonly error: string };

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Runs `run` with the parsed options, or answers --help and usage errors itself. */
export async function runCommand<Options>(
  parsed: ParsedArgs<Options>,
  usage: string,
  io: CommandIo,
  run: (options: Options) => Promise<number>,
): Promise<number> {
  if ("help" in parsed) {
    io.stdout(usage);
    return EXIT.ok;
  }
  if ("error" in parsed) {
    io.stderr(`${parsed.error}\n\n${usage}`);
    return EXIT.usage;
  }
  return run(parsed.options);
}

/** The process's own standard streams, for a command run from the shell. */
export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
