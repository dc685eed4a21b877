/**
 * Prints a stream of agent events for a human (through `render.ts`) or as JSON lines, with a
 * waiting indicator on stderr while nothing is being written — only when stderr is a terminal.
 */
import type { AgentEvent } from "@dispatch/transport-contract";
import type { Io } from "./io.ts";
import { createStyles, initialRenderState, type Piece, renderEvent } from "./render.ts";

/** How a printer shows events. */
export interface TurnPrinterOptions {
  json: boolean;
  color: boolean;
  showReasoning: boolean;
  showUserMessage: boolean;
  /** Print only errors while streaming, then the final reply (`send`). */
  finalOnly: boolean;
  /** Indicator text before the first event. */
  waitingLabel: string;
}

/** A stateful event printer. */
export interface TurnPrinter {
  event(event: AgentEvent): void;
  /** Sets the indicator's text (e.g. between turns of `attach`). */
  setWaitingLabel(label: string): void;
  /** An informational line on stderr. */
  note(text: string): void;
  /** Stops the indicator; prints the final reply in `finalOnly` mode. */
  finish(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Creates a printer writing to `io`. */
export function createTurnPrinter(io: Io, options: TurnPrinterOptions): TurnPrinter {
  const styles = createStyles(options.color);
  const state = initialRenderState();
  const render = {
    styles,
    showReasoning: options.showReasoning,
    showUserMessage: options.showUserMessage,
    truncateResults: io.stdout.isTTY,
  };
  const spinning = io.stderr.isTTY && !options.json;
  let label = options.waitingLabel;
  let shown = false;
  let frame = 0;
  let idle = true;
  let finalText = "";
  const stopTicker = spinning
    ? io.every(100, () => {
        if (!idle) return;
        io.stderr.write(`\r${styles.dim(`${FRAMES[frame++ % FRAMES.length]} ${label}`)}\x1b[K`);
        shown = true;
      })
    : () => {};

  const hide = () => {
    if (!shown) return;
    io.stderr.write("\r\x1b[K");
    shown = false;
  };
  const write = (piece: Piece) => {
    hide();
    (piece.stream === "stdout" ? io.stdout : io.stderr).write(piece.text);
  };

  return {
    event(event) {
      if (options.json) {
        io.stdout.write(`${JSON.stringify(event)}\n`);
        return;
      }
      if (event.type === "tool-call") label = `running ${event.toolName}`;
      else if (event.type === "tool-result" || event.type === "turn-start") label = "waiting for the model";
      if (options.finalOnly) {
        if (event.type === "text-delta") finalText += event.delta;
        else if (event.type === "tool-call") finalText = "";
        const pieces = renderEvent(event, initialRenderState(), render);
        for (const piece of pieces) if (piece.stream === "stderr") write(piece);
        return;
      }
      for (const piece of renderEvent(event, state, render)) write(piece);
      idle = state.atLineStart;
    },
    setWaitingLabel(text) {
      label = text;
    },
    note(text) {
      hide();
      if (!state.atLineStart) io.stdout.write("\n");
      state.atLineStart = true;
      io.stderr.write(`${styles.dim(text)}\n`);
    },
    finish() {
      stopTicker();
      hide();
      if (options.finalOnly && !options.json && finalText !== "") {
        io.stdout.write(finalText.endsWith("\n") ? finalText : `${finalText}\n`);
      }
    },
  };
}
