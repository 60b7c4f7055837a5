// Applies the remembered theme before the first paint, so the page never flashes the wrong one.
(function () {
  try {
    var saved = localStorage.getItem('nexus.theme');
    if (saved === 'light' || saved === 'dark') document.documentElement.dataset.theme = saved;
  } catch (e) { /* storage disabled: follow the system */ }
})();
