// The sign-in window Teams opens (authentication.authenticate) when Kontakt needs the
// user's consent. /auth-start asks Microsoft Entra for consent to Kontakt's scope
// (authorization code with PKCE; the code is never redeemed — consent is all the tab
// needs, after which Teams' silent SSO works); /auth-end reports back to Teams. Nothing
// secret ever goes through notifySuccess.
'use strict';

(async function () {
  const status = (text) => { document.getElementById('status').textContent = text; };
  const end = location.pathname.endsWith('/auth-end');
  try {
    await microsoftTeams.app.initialize();
  } catch (e) {
    status('Open this page from Kontakt in Microsoft Teams.');
    return;
  }
  if (end) {
    const answer = new URLSearchParams(location.search.length > 1 ? location.search.slice(1) : location.hash.slice(1));
    const expected = sessionStorage.getItem('kontakt.auth.state');
    sessionStorage.removeItem('kontakt.auth.state');
    if (answer.get('error')) {
      microsoftTeams.authentication.notifyFailure(answer.get('error'));
    } else if (!answer.get('state') || answer.get('state') !== expected) {
      microsoftTeams.authentication.notifyFailure('state_mismatch');
    } else {
      microsoftTeams.authentication.notifySuccess('consented');
    }
    return;
  }
  const clientId = document.body.dataset.clientId;
  if (!clientId) {
    // Demo mode has no Entra app registration: nothing to consent to.
    microsoftTeams.authentication.notifySuccess('consented');
    return;
  }
  const context = await microsoftTeams.app.getContext();
  const random = () => crypto.getRandomValues(new Uint8Array(32)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '');
  const state = random();
  const verifier = random();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  sessionStorage.setItem('kontakt.auth.state', state);
  const tenant = (context.user && context.user.tenant && context.user.tenant.id) || 'organizations';
  const params = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    response_mode: 'query',
    redirect_uri: location.origin + '/auth-end',
    scope: 'openid profile ' + document.body.dataset.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    prompt: 'consent',
    login_hint: (context.user && context.user.loginHint) || '',
  });
  location.assign('https://login.microsoftonline.com/' + encodeURIComponent(tenant) + '/oauth2/v2.0/authorize?' + params);
})();
