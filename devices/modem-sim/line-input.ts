// The module's input side: V.250 §5.2.1 command lines (echoed as typed when ATE1,
// ended by S3 = CR, edited with S5 = backspace) and, after the 27.005 §3.5.1 "> "
// prompt, message text: Ctrl-Z sends it, ESC cancels it, CR starts a new line.
export interface LineInputSink {
  echo(): boolean;
  write(s: string): void;
  command(line: string): void;
  textDone(text: string): void;
  textCancelled(): void;
}

const MAX_LINE = 1024;
const MAX_TEXT = 4096;

export class LineInput {
  private line = '';
  private echoOut = '';
  private text: string | null = null;

  constructor(private readonly sink: LineInputSink) {}

  reset(): void {
    this.line = '';
    this.echoOut = '';
    this.text = null;
  }

  /** The command asked for message text (AT+CMGS answered "> "). */
  startText(): void {
    this.text = '';
  }

  push(s: string): void {
    for (const ch of s) {
      if (this.sink.echo()) this.echoOut += ch;
      if (this.text !== null) this.textChar(ch);
      else if (ch === '\r') {
        const line = this.line;
        this.line = '';
        this.flush();
        this.sink.command(line);
      } else if (ch === '\b') this.line = this.line.slice(0, -1);
      else if (ch !== '\n' && this.line.length < MAX_LINE) this.line += ch;
    }
    this.flush();
  }

  private flush(): void {
    if (this.echoOut) this.sink.write(this.echoOut);
    this.echoOut = '';
  }

  private textChar(ch: string): void {
    const text = this.text!;
    if (ch === '\x1a') {
      this.text = null;
      this.flush();
      this.sink.textDone(text);
    } else if (ch === '\x1b') {
      this.text = null;
      this.flush();
      this.sink.textCancelled();
    } else if (ch === '\r') {
      this.text = `${text}\n`;
      this.flush();
      this.sink.write('\r\n> ');
    } else if (ch !== '\n' && text.length < MAX_TEXT) this.text = text + ch;
  }
}
