// What the page tells the reader beside the status line: errors (what went wrong and what to do)
// and notices (what just happened), each dismissed by hand.

export class Messages {
  errors = $state<string[]>([]);
  notices = $state<string[]>([]);

  error(text: string): void {
    this.errors = [...this.errors, text];
  }

  /** An error shown once, however often it happens. */
  errorOnce(text: string): void {
    if (!this.errors.includes(text)) this.errors = [...this.errors, text];
  }

  /** A notice shown once, however often it is given. */
  noticeOnce(text: string): void {
    if (!this.notices.includes(text)) this.notices = [...this.notices, text];
  }
}
