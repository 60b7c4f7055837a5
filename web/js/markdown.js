// Markdown for model replies: marked renders, DOMPurify sanitizes, highlight.js colours code.
import { marked } from '../vendor/marked.esm.js';
import DOMPurify from '../vendor/purify.es.mjs';
import hljs from '../vendor/highlight/core.js';
import bash from '../vendor/highlight/languages/bash.js';
import cpp from '../vendor/highlight/languages/cpp.js';
import css from '../vendor/highlight/languages/css.js';
import go from '../vendor/highlight/languages/go.js';
import java from '../vendor/highlight/languages/java.js';
import javascript from '../vendor/highlight/languages/javascript.js';
import json from '../vendor/highlight/languages/json.js';
import python from '../vendor/highlight/languages/python.js';
import rust from '../vendor/highlight/languages/rust.js';
import sql from '../vendor/highlight/languages/sql.js';
import typescript from '../vendor/highlight/languages/typescript.js';
import xml from '../vendor/highlight/languages/xml.js';
import yaml from '../vendor/highlight/languages/yaml.js';

const languages = { bash, cpp, css, go, java, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);
hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' });
hljs.registerAliases(['js'], { languageName: 'javascript' });
hljs.registerAliases(['ts'], { languageName: 'typescript' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['c', 'c++', 'h', 'hpp'], { languageName: 'cpp' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });

marked.setOptions({ gfm: true, breaks: false });

// Links open in a new tab without handing the console window to the target.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

export function renderMarkdown(container, text) {
  const html = marked.parse(text || '');
  const clean = DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input'], FORBID_ATTR: ['style'] });
  container.innerHTML = clean;  // sanitized above
  for (const block of container.querySelectorAll('pre code')) {
    const match = /language-([\w+-]+)/.exec(block.className);
    if (match && hljs.getLanguage(match[1])) {
      const result = hljs.highlight(block.textContent, { language: match[1], ignoreIllegals: true });
      block.innerHTML = result.value;  // highlight.js escapes the code it wraps
    } else {
      const result = hljs.highlightAuto(block.textContent);
      block.innerHTML = result.value;
    }
    block.classList.add('hljs');
  }
}
