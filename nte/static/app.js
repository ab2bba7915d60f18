// Behaviour the pages share. The content security policy allows no inline script or
// handler, so what a page once said in onsubmit="..." it says in a data attribute here.

// <form data-confirm="Question?">: ask before sending; "Cancel" keeps the form unsent.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
