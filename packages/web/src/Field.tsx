import { type InputHTMLAttributes, type Ref, useId } from "react";

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id"> {
  label: string;
  /** Shown under the label before anything is typed, and read with the field by screen readers. */
  hint?: string;
  ref?: Ref<HTMLInputElement>;
}

/** A labelled input: its label is its accessible name. */
export function Field({ label, hint, ...input }: FieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
    </div>
  );
}

export function Alert({ message }: { message?: string }) {
  return message ? (
    <p className="alert" role="alert">
      {message}
    </p>
  ) : null;
}

export function Status({ message }: { message?: string }) {
  return message ? (
    <p className="status" role="status">
      {message}
    </p>
  ) : null;
}
