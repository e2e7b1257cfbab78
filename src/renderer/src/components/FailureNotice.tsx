/** The error box under a form: what failed, why, and the details (one per field or reason). */
export function FailureNotice({ title, message, details }: { title: string; message: string; details: readonly string[] }) {
  return (
    <div className="notice notice--error" role="alert">
      <div>
        <strong className="notice__title">{title}</strong>
        <p className="notice__body">{message}</p>
        {details.length > 0 ? (
          <ul className="notice__list">
            {details.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
