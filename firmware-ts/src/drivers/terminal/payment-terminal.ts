// The PaymentTerminal port: what the payments service needs from a card terminal,
// and nothing of ZVT. ZvtTerminal (zvt-terminal.ts) implements it for German-style
// ZVT terminals (PA00P015). This is also the seam for a Turkish ÖKC / GMP-3 vendor
// adapter (a cash register with an integrated EFT-POS, driven through the vendor's
// library or GMP-3 pairing): one new class implementing this interface, chosen by
// `devices.terminal.protocol` in the config; the payments service does not change.
//
// Amounts are integers in kuruş (1/100 TRY). Money-moving calls (sale, reverse,
// refund) resolve with a PaymentResult and do not throw once a byte has left for
// the terminal: a failure after that point is an `unknown` outcome, which the
// payments service settles with lastTransaction(), never by charging again.

export type TerminalOp = 'sale' | 'reversal' | 'refund' | 'repeat-receipt' | 'end-of-day' | 'status' | 'abort' | 'registration';

/** Intermediate status from the terminal (ZVT 04 FF), for the staff tablet. */
export interface TerminalProgress {
  op: TerminalOp;
  code: number;
  text: string;
  at: string;
}

/** What the terminal reported about one transaction (ZVT 04 0F). No full PAN, ever. */
export interface CardTransaction {
  resultCode: number | null;
  resultText: string | null;
  amountKurus: number | null;
  currency: number | null;
  trace: number | null;
  originalTrace: number | null;
  receiptNo: number | null;
  turnoverNo: number | null;
  cardType: number | null;
  cardName: string | null;
  /** Only the last four digits in clear, e.g. "************4771". */
  maskedPan: string | null;
  terminalId: string | null;
  /** "HH:MM:SS" and "MM-DD" as the terminal's clock had them. */
  time: string | null;
  date: string | null;
  authCode: string | null;
  additionalText: string | null;
  /** Set when the block held something this decoder could not read. */
  parseNote?: string;
}

export interface ApprovedResult {
  outcome: 'approved';
  op: TerminalOp;
  tx: CardTransaction;
  /** Receipt lines if the terminal sent them to the ECR (print on ECR), else []. */
  receipt: string[];
}

export interface DeclinedResult {
  outcome: 'declined';
  op: TerminalOp;
  /** ZVT result code (PA00P015 §10), e.g. 0x05 declined by issuer, 0x6C aborted. */
  resultCode: number;
  message: string;
  tx: CardTransaction | null;
  receipt: string[];
}

/** The link, the terminal or the protocol failed after the request may have reached the terminal. */
export interface UnknownOutcome {
  outcome: 'unknown';
  code: 'UNKNOWN_OUTCOME';
  op: TerminalOp;
  message: string;
  /** Where it stopped: before the terminal's 80 00, while it worked, or after its status information. */
  phase: 'ack' | 'running' | 'after-status';
  known: {
    /** Every byte of the request left this side. */
    requestSent: boolean;
    /** The terminal accepted the request (80 00). */
    accepted: boolean;
    /** Status information received before the failure, if any. */
    statusInfo: CardTransaction | null;
    /** We acknowledged that status information (the moment a payment becomes final on the terminal). */
    statusAcknowledged: boolean;
    lastProgress: string | null;
  };
}

export type PaymentResult = ApprovedResult | DeclinedResult | UnknownOutcome;

export interface EndOfDayResult {
  ok: boolean;
  resultCode: number;
  message: string;
  totalKurus: number | null;
  receipt: string[];
}

export interface TerminalStatus {
  /** ZVT terminal status code (PA00P015 §11): 0 is "PT ready". */
  code: number;
  text: string;
  softwareVersion: string | null;
  terminalId: string | null;
}

export interface OperationOptions {
  onProgress?: (p: TerminalProgress) => void;
}

export type TerminalErrorCode =
  | 'NOT_CONNECTED'
  | 'BUSY'
  | 'BAD_INPUT'
  | 'TIMEOUT'
  | 'LINK_LOST'
  | 'PROTOCOL'
  | 'REFUSED'
  | 'NO_TRANSACTION'
  | 'STOPPED';

/** A call that failed without moving money (or that moves none, like status). */
export class TerminalError extends Error {
  constructor(
    readonly code: TerminalErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}

export interface PaymentTerminal {
  /** Charges a card. Never retried by the driver. */
  sale(amountKurus: number, opts?: OperationOptions): Promise<PaymentResult>;
  /** Reverses (voids) a transaction of the current batch by its receipt number. */
  reverse(receiptNo: number, opts?: OperationOptions): Promise<PaymentResult>;
  /** Refunds an amount to a card (a new transaction, not tied to a receipt). */
  refund(amountKurus: number, opts?: OperationOptions): Promise<PaymentResult>;
  /** The terminal's own record of its last transaction: how an unknown outcome is settled. */
  lastTransaction(): Promise<CardTransaction>;
  endOfDay(opts?: OperationOptions): Promise<EndOfDayResult>;
  /** Asks the terminal to abort what it is doing (e.g. a sale waiting for a card). */
  abort(): Promise<void>;
  /** The terminal's state (ZVT status enquiry), not its last transaction. */
  status(): Promise<TerminalStatus>;
  /** Subscribes to intermediate status of every operation; returns the unsubscribe function. */
  onProgress(fn: (p: TerminalProgress) => void): () => void;
}
