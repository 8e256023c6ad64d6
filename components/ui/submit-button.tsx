"use client";

import { useFormStatus } from "react-dom";
import { Button, type ButtonProps } from "./button";

/** A form's submit button: disabled with a pending label while the form's action runs. */
export function SubmitButton({ pendingLabel, ...rest }: Omit<ButtonProps, "type" | "pending"> & { pendingLabel: string }) {
  const { pending } = useFormStatus();
  return <Button type="submit" pending={pending} pendingLabel={pendingLabel} {...rest} />;
}
