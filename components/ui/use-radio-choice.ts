"use client";

import { useState } from "react";

/**
 * A radio group's choice in a form that has an action. React resets such a form after every
 * answer, which puts each radio back to its *default*: a controlled radio (`checked`) is then
 * shown unchecked while the fields of its choice stay on the page, and clicking it changes
 * nothing (it already is checked in the page). Here the default follows the choice, so the reset
 * keeps what was chosen. `radio(option)` gives the input's value, default and change handler.
 */
export function useRadioChoice<T extends string>(initial: T): { choice: T; radio: (option: T) => { value: T; defaultChecked: boolean; onChange: () => void } } {
  const [choice, setChoice] = useState<T>(initial);
  return { choice, radio: (option) => ({ value: option, defaultChecked: choice === option, onChange: () => setChoice(option) }) };
}
