import type { FileEntry } from "@iam-auth-api/core/list-files";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { listFiles } from "./api";
import { Field, Status } from "./Field";
import { deleteFile, downloadFile, uploadFile } from "./files";
import { Problem } from "./problem";
import { type Task, useTask } from "./task";

const UNITS = ["bytes", "KB", "MB", "GB", "TB"];

function formatSize(bytes: number): string {
  const power = Math.min(UNITS.length - 1, bytes > 0 ? Math.floor(Math.log(bytes) / Math.log(1024)) : 0);
  return power === 0 ? `${bytes} bytes` : `${(bytes / 1024 ** power).toFixed(1)} ${UNITS[power]}`;
}

/** Hands the bytes to the browser's own download, under the file's name. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  link.click();
  // Revoked later, not at once: the browser reads the object URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

interface Upload {
  name: string;
  sent: number;
  total: number;
}

/** Your files: upload with progress, the list page by page, download and delete. Failures go to `reportTo`'s alert. */
export function Files({ reportTo }: { reportTo: Pick<Task, "setError" | "fail"> }) {
  const [files, setFiles] = useState<FileEntry[]>();
  const [cursor, setCursor] = useState<string>();
  const [upload, setUpload] = useState<Upload>();
  const [notice, setNotice] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  const { run, fail } = useTask({ reportTo });

  const loadFirstPage = useCallback(async () => {
    const page = await listFiles();
    setFiles(page.files);
    setCursor(page.nextCursor);
  }, []);

  useEffect(() => {
    loadFirstPage().catch(fail);
  }, [loadFirstPage, fail]);

  /** A button's action: the last notice goes, the action runs as a task. */
  const act = (action: () => Promise<void>) => () => {
    setNotice(undefined);
    return run(action);
  };

  const onUpload = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const file = fileInput.current?.files?.[0];
    return act(async () => {
      if (!file) throw new Problem("No file chosen: choose one with the File field, then Upload.");
      setUpload({ name: file.name, sent: 0, total: file.size });
      try {
        await uploadFile(file, (sent, total) => setUpload({ name: file.name, sent, total }));
      } finally {
        setUpload(undefined);
      }
      form.reset();
      setNotice(`Uploaded ${file.name} (${formatSize(file.size)}).`);
      await loadFirstPage();
    })();
  };

  const onDownload = (name: string) =>
    act(async () => {
      save(await downloadFile(name), name);
      setNotice(`Downloaded ${name}.`);
    });

  const onDelete = (name: string) =>
    act(async () => {
      await deleteFile(name);
      setNotice(`Deleted ${name}.`);
      await loadFirstPage();
    });

  const onMore = act(async () => {
    const page = await listFiles(cursor);
    setFiles((loaded) => [...(loaded ?? []), ...page.files]);
    setCursor(page.nextCursor);
  });

  return (
    // No accessible name on the section: "Your files" would also match the File field's label.
    <section>
      <h2>Your files</h2>
      <form className="upload" onSubmit={onUpload} aria-busy={Boolean(upload)}>
        <Field label="File" type="file" ref={fileInput} required />
        <button type="submit" disabled={Boolean(upload)}>
          Upload
        </button>
      </form>
      {upload && (
        <div className="progress">
          <progress max={upload.total || 1} value={upload.sent} aria-label="Upload progress" />
          <span>
            {upload.name}: {upload.total ? Math.floor((upload.sent / upload.total) * 100) : 0}%
          </span>
        </div>
      )}
      <Status message={notice} />
      {files === undefined ? (
        <p>Loading your files…</p>
      ) : files.length === 0 ? (
        <p>No files yet: upload one above.</p>
      ) : (
        <ul className="files">
          {files.map((file) => (
            <li key={file.key}>
              <span className="name">{file.name}</span>
              <span className="meta">
                {formatSize(file.size)}
                {file.lastModified && (
                  <>
                    {" · "}
                    <time dateTime={file.lastModified}>{new Date(file.lastModified).toLocaleString()}</time>
                  </>
                )}
              </span>
              <span className="buttons">
                <button type="button" aria-label={`Download ${file.name}`} onClick={onDownload(file.name)}>
                  Download
                </button>
                <button
                  type="button"
                  className="danger"
                  aria-label={`Delete ${file.name}`}
                  onClick={onDelete(file.name)}
                >
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" className="quiet" onClick={onMore}>
          More files
        </button>
      )}
    </section>
  );
}
