// Atajos del formulario de un campo: a = aceptar, Ctrl+Enter = guardar, n = siguiente.
// Mientras se escribe en un campo del formulario solo vale Ctrl+Enter.
document.addEventListener("keydown", (event) => {
  const form = document.getElementById("revision");
  if (!form) return;
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
    event.preventDefault();
    form.requestSubmit(document.getElementById("guardar"));
    return;
  }
  const typing = event.target.closest && event.target.closest("input, textarea, select");
  if (typing || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.key === "a") {
    event.preventDefault();
    form.requestSubmit(document.getElementById("aceptar"));
  } else if (event.key === "n") {
    const next = document.getElementById("siguiente");
    if (next) location.assign(next.href);
  }
});
