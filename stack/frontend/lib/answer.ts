// The layout of an answer's text, the same live and in History: blank lines separate
// blocks, lines that start with a bullet ("- ", "* ", "• ") make a list, and other lines
// keep their line breaks.

export interface AnswerBlock {
  kind: "lines" | "list";
  lines: string[];
}

const BULLET = /^\s*[-*•]\s+/;

export function answerBlocks(text: string): AnswerBlock[] {
  const blocks: AnswerBlock[] = [];
  let current: AnswerBlock | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) {
      current = undefined;
      continue;
    }
    const bullet = BULLET.exec(line);
    const kind = bullet ? "list" : "lines";
    if (current?.kind !== kind) {
      current = { kind, lines: [] };
      blocks.push(current);
    }
    current.lines.push(bullet ? line.slice(bullet[0].length) : line);
  }
  return blocks;
}
