// Small browser helpers the Blazor components call through JS interop.
window.workbench = {
    // Character offsets [start, end) of the current selection inside `element`'s text, or null when the
    // selection is empty or not inside it. Offsets are in UTF-16 units, like .NET strings.
    selectionOffsets(element) {
        const selection = window.getSelection();
        if (!element || !selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
        const range = selection.getRangeAt(0);
        if (!element.contains(range.startContainer) || !element.contains(range.endContainer)) return null;
        const before = document.createRange();
        before.selectNodeContents(element);
        before.setEnd(range.startContainer, range.startOffset);
        const start = before.toString().length;
        return { start: start, end: start + range.toString().length };
    },
    // Brings an element (e.g. the next uncertain token) to the middle of the view.
    scrollToId(id) {
        const element = document.getElementById(id);
        if (element) element.scrollIntoView({ block: 'center', behavior: 'smooth' });
    },
    // Replaces the address with `url` (Blazor's own navigation, so the server learns it) only while the browser still
    // shows `pathname`: a list page writing its filters must not pull the user back from the page they just opened.
    replaceAddressIfOn(pathname, url) {
        if (location.pathname.replace(/\/+$/, '') === pathname) Blazor.navigateTo(url, { replaceHistoryEntry: true });
    },
    // Keys typed outside `element` (its handler never sees them) are forwarded to `dotnet.invokeMethodAsync(method,
    // key, code, shift, command)`: after a re-render disabled the focused button, focus falls to the body; a click on
    // the page's heading focuses the heading. Keys meant for something else (typing in a field, Enter on a link or a
    // button) are left alone. Returns an id for stopForwardingStrayKeys.
    _strayKeyHandlers: new Map(),
    _nextStrayKeyHandler: 1,
    forwardStrayKeys(dotnet, method, element) {
        const ownTargets = 'input, textarea, select, button, a[href], [contenteditable=""], [contenteditable="true"], '
            + '[role=button], [role=link], [role=textbox], [role=combobox], [role=menuitem], [role=option], [role=radio], [role=slider]';
        const handler = e => {
            const target = e.target instanceof Element ? e.target : document.body;
            if (element.contains(target) || target.closest(ownTargets)) return;
            dotnet.invokeMethodAsync(method, e.key, e.code, e.shiftKey, e.ctrlKey || e.altKey || e.metaKey);
        };
        const id = window.workbench._nextStrayKeyHandler++;
        window.workbench._strayKeyHandlers.set(id, handler);
        document.addEventListener('keydown', handler);
        return id;
    },
    stopForwardingStrayKeys(id) {
        const handler = window.workbench._strayKeyHandlers.get(id);
        if (handler) document.removeEventListener('keydown', handler);
        window.workbench._strayKeyHandlers.delete(id);
    },
    focus(element) {
        if (element) element.focus();
    },
    async copy(text) {
        await navigator.clipboard.writeText(text);
    },
    download(fileName, contentType, text) {
        const blob = new Blob([text], { type: contentType });
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url; a.download = fileName; document.body.appendChild(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
};

// Copy buttons on markdown code blocks. The blocks are server-rendered HTML (no Blazor handler per button), so one
// delegated listener serves all of them, including blocks rendered after this script ran.
document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('.code-copy') : null;
    if (!button) return;
    const code = button.parentElement?.querySelector('code');
    if (!code) return;
    try {
        await navigator.clipboard.writeText(code.innerText);
        button.textContent = 'Copied';
        button.dataset.copied = 'true';
    } catch {
        button.textContent = 'Copy failed';
    }
    setTimeout(() => { button.textContent = 'Copy'; delete button.dataset.copied; }, 1500);
});
