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
