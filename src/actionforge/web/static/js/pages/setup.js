// The setup page is a plain form (it works before any script runs); this only moves focus to it.
document.getElementById("setup-email")?.focus();
