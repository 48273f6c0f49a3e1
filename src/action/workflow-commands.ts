import type { CheckAnnotation } from '../github/check-run.ts';

/**
 * GitHub Actions' workflow commands (`::name key=value,…::message` lines on standard output),
 * escaped as the runner unescapes them: `%`, CR and LF everywhere, and `:` and `,` in properties.
 */
export function workflowCommand(name: string, properties: Record<string, string | number | undefined>, message: string): string {
  const pairs = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`);
  return `::${name}${pairs.length ? ` ${pairs.join(',')}` : ''}::${escapeData(message)}`;
}

export function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

const COMMAND_OF_LEVEL: Record<CheckAnnotation['annotation_level'], string> = { failure: 'error', warning: 'warning', notice: 'notice' };

/** A check run's annotation as the workflow command that shows it at the same place. */
export function annotationCommand(annotation: CheckAnnotation): string {
  return workflowCommand(
    COMMAND_OF_LEVEL[annotation.annotation_level],
    {
      file: annotation.path,
      line: annotation.start_line,
      endLine: annotation.end_line,
      col: annotation.start_column,
      endColumn: annotation.end_column,
      title: annotation.title,
    },
    annotation.message,
  );
}
