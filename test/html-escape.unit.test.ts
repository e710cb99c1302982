import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  APPROVAL_PAGE_CSP,
  DEFAULT_PAGE_TITLE,
  PAGE_STYLE_HASH,
  renderApprovalPage,
  renderClosedPage,
  renderErrorPage,
  renderThankYouPage,
} from '../callback-gateway/html-pages';
import { renderApprovalDecisionPage } from '../callback-gateway/approval-decision-page';

// Unit tests of the approval page's escaping and rendering: no Temporal, no gateway. The escaping
// itself is escape-html's; what is ours, and tested here, is that every piece of data each page
// shows goes through it, in text and in quoted attributes alike.

function unescape(html: string): string {
  return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The approval page with `value` in every place data goes: title, description, a field's name and label, an option. */
function pageWith(value: string): string {
  return renderApprovalPage({
    title: `t${value}`,
    description: `d${value}`,
    form: [{ name: `n${value}`, label: `l${value}`, type: 'select', options: [`o${value}`] }],
    expiresAt: new Date('2030-01-02T03:04:05Z'),
  });
}

/** What each place of {@link pageWith} holds, as the page has it (escaped). */
function placesOf(page: string): string[] {
  const place = (pattern: RegExp) => page.match(pattern)?.[1] ?? '';
  return [
    place(/<h1>(.*?)<\/h1>/s),
    place(/<p class="description">(.*?)<\/p>/s),
    place(/<select id="field-0" name="(.*?)">/s),
    place(/<label for="field-0">(.*?)<\/label>/s),
    place(/<option value="(o.*?)">/s),
  ];
}

describe('escaping what the pages show', () => {
  test('turns every character that means something in HTML into a reference, in text and in attributes', () => {
    const places = placesOf(pageWith(`<script>alert("x" + 'y')</script> & more`));
    const escaped = '&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; more';
    expect(places).toEqual(['t', 'd', 'n', 'l', 'o'].map((prefix) => `${prefix}${escaped}`));
  });

  test('leaves other text alone, non-ASCII included', () => {
    expect(placesOf(pageWith('Déploiement 🚀 v1.2 (prod) = ok; 100%'))[0]).toBe('tDéploiement 🚀 v1.2 (prod) = ok; 100%');
  });

  test('escapes an already escaped text again, so entities in data are shown, not interpreted', () => {
    expect(placesOf(pageWith('&lt;b&gt;'))[0]).toBe('t&amp;lt;b&amp;gt;');
  });

  test('for any string: no markup character from data survives, and each place unescapes to the data', () => {
    const markup = (page: string) => page.match(/[<>"']/g)?.length;
    const benign = markup(pageWith(''));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 200 }), (value) => {
        const page = pageWith(value);
        expect(markup(page)).toBe(benign);
        const places = placesOf(page);
        for (const place of places) expect(place.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
        expect(places.map(unescape)).toEqual(['t', 'd', 'n', 'l', 'o'].map((prefix) => `${prefix}${value}`));
      }),
      { numRuns: 300 },
    );
  });
});

const HOSTILE = '<script>alert(1)</script>';
const ATTRIBUTE_BREAKER = '" autofocus onfocus="alert(1)';

describe('the approval page', () => {
  const page = renderApprovalPage({
    title: `Deploy ${HOSTILE}`,
    description: `Line one\n${HOSTILE}\n<img src=x onerror=alert(1)>`,
    form: [
      { name: 'comment', label: `Why? ${HOSTILE}`, type: 'textarea', required: true },
      { name: 'env', label: 'Environment', type: 'select', options: ['prod', HOSTILE, ATTRIBUTE_BREAKER] },
      { name: 'count', label: `Count ${ATTRIBUTE_BREAKER}`, type: 'number' },
      { name: 'ticket', label: 'Ticket', type: 'text' },
    ],
    expiresAt: new Date('2030-01-02T03:04:05Z'),
  });

  test('escapes title, description, labels and options: no markup from data survives', () => {
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).not.toContain(ATTRIBUTE_BREAKER);
    expect(page).toContain('<title>Deploy &lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(page).toContain('<h1>Deploy &lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('Why? &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('<option value="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</option>');
    expect(page).toContain('<option value="&quot; autofocus onfocus=&quot;alert(1)">');
    expect(page).toContain('Count &quot; autofocus onfocus=&quot;alert(1)');
  });

  test('posts the decision and the fields back to its own URL, as a form', () => {
    expect(page).toContain('<form method="post" enctype="application/x-www-form-urlencoded">');
    expect(page).not.toMatch(/<form[^>]*action=/);
    expect(page).toContain('<button type="submit" name="decision" value="approve" class="approve">Approve</button>');
    expect(page).toContain('<button type="submit" name="decision" value="reject" class="reject" formnovalidate>Reject</button>');
    expect(page).toMatch(/<textarea id="field-0" name="comment" rows="4" required><\/textarea>/);
    expect(page).toContain('<select id="field-1" name="env"><option value="">Choose…</option><option value="prod">prod</option>');
    expect(page).toContain('<input id="field-2" name="count" type="number" step="any">');
    expect(page).toContain('<input id="field-3" name="ticket" type="text">');
    expect(page).toContain('2030-01-02 03:04 UTC');
  });

  test('loads nothing and runs nothing: no script, no link, no external URL; its one style matches the CSP hash', () => {
    const benign = renderApprovalPage({
      title: 'Deploy',
      description: 'To production',
      form: [
        { name: 'why', label: 'Why', type: 'text' },
        { name: 'env', label: 'Env', type: 'select', options: ['prod'] },
      ],
      expiresAt: new Date(),
    });
    const pages = [benign, renderThankYouPage({ decision: 'approve' }), renderClosedPage({ reason: 'completed' }), renderErrorPage({ code: 'INTERNAL_ERROR', status: 500, message: 'x' })];
    for (const html of pages) {
      expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|\bstyle=|\bon\w+=|https?:/i);
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]!);
      expect(styles).toHaveLength(1);
      expect(`'sha256-${createHash('sha256').update(styles[0]!).digest('base64')}'`).toBe(PAGE_STYLE_HASH);
    }
    // Written by helmet, which joins directives with a bare `;`.
    expect(APPROVAL_PAGE_CSP).toBe(`default-src 'none';style-src ${PAGE_STYLE_HASH};form-action 'self';frame-ancestors 'none';base-uri 'none'`);
  });

  test('without a title it asks generically; without a form it has only the two buttons', () => {
    const plain = renderApprovalPage({ expiresAt: new Date(), detailsUnavailable: true });
    expect(plain).toContain(`<h1>${DEFAULT_PAGE_TITLE}</h1>`);
    expect(plain).toContain('could not be loaded');
    expect(plain.match(/name="decision"/g)).toHaveLength(2);
    expect(plain).not.toMatch(/<input|<select|<textarea/);
  });

  test('tolerates odd field data from a query: unknown types become text inputs, non-strings are escaped as text', () => {
    const odd = renderApprovalPage({
      expiresAt: new Date(),
      form: [{ name: '<x>', label: 42 as unknown as string, type: 'color' as unknown as 'text', options: 'nope' as unknown as string[] }],
    });
    expect(odd).toContain('<label for="field-0">42</label><input id="field-0" name="&lt;x&gt;" type="text">');
  });
});

describe('the other pages', () => {
  test('a closed callback: what happened, the escaped title, no form and no buttons', () => {
    const answered = renderClosedPage({ reason: 'completed', title: HOSTILE });
    expect(answered).toContain('<h1>This request has already been answered</h1>');
    expect(answered).toContain('&lt;script&gt;');
    expect(answered).not.toMatch(/<script|<form|<button/);
    expect(renderClosedPage({ reason: 'timed_out' })).toContain('<h1>This request is closed</h1>');
  });

  test('an error page shows the stable code, the status and the escaped message and issues', () => {
    const html = renderErrorPage({
      code: 'PAYLOAD_INVALID',
      status: 422,
      message: `bad ${HOSTILE}`,
      issues: [{ path: 'decision', message: HOSTILE }],
    });
    expect(html).toContain('<code id="error-code">PAYLOAD_INVALID</code> (HTTP 422)');
    expect(html).toContain('bad &lt;script&gt;');
    expect(html).toContain('<li>decision: &lt;script&gt;alert(1)&lt;/script&gt;</li>');
    expect(html).not.toContain('<script');
  });

  test('the thank-you page names only a known decision', () => {
    expect(renderThankYouPage({ decision: 'reject' })).toContain('You answered: <strong>Reject</strong>');
    expect(renderThankYouPage({ decision: HOSTILE })).not.toContain('You answered');
    expect(renderThankYouPage()).toContain('<h1>Thank you, your answer was recorded</h1>');
  });
});

describe("an approval's decision page", () => {
  const value = `<script>alert("x" + 'y')</script> & more`;
  const escaped = '&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; more';
  const view = (voter: Parameters<typeof renderApprovalDecisionPage>[0]['voter']) =>
    renderApprovalDecisionPage({
      action: { title: `t${value}`, summary: `s${value}`, details: { [`k${value}`]: `v${value}`, nested: { deep: value } } },
      actionDigest: 'A'.repeat(43),
      expiresAt: new Date('2030-01-02T03:04:05Z'),
      voter,
    });

  test('escapes the action (title, summary, detail names and values), who signed in, and the hidden fields', () => {
    const page = view({ kind: 'signed-in', approver: { issuer: 'https://idp', subject: 's', name: `n${value}`, email: 'a@example.com', via: 'oidc' }, csrf: `c${value}` });
    expect(page).toContain(`<h1>t${escaped}</h1>`);
    expect(page).toContain(`<p class="description">s${escaped}</p>`);
    expect(page).toContain(`<th scope="row">k${escaped}</th><td>v${escaped}</td>`);
    expect(page).toContain(`Signed in as <strong id="signed-in-as">n${escaped} (a@example.com)</strong>`);
    expect(page).toContain(`<input type="hidden" name="csrf" value="c${escaped}">`);
    expect(page).not.toContain('<script>');
    expect(page).toContain('name="decision" value="approve"');
  });

  test('offers sign-in and no buttons until the person signs in; says a link holder is anyone', () => {
    const signIn = view({ kind: 'sign-in', signInHref: '/callbacks/t/sign-in', reason: 'too-old' });
    expect(signIn).toContain('<a class="sign-in" href="/callbacks/t/sign-in">Sign in to decide</a>');
    expect(signIn).toContain('needs a recent sign-in');
    expect(signIn).not.toContain('name="decision"');
    const link = view({ kind: 'link-holder' });
    expect(link).toContain('Anyone with this link can decide');
    expect(link).not.toContain('name="csrf"');
    expect(link).toContain(`name="actionDigest" value="${'A'.repeat(43)}"`);
  });
});
