// Teams host simulator (demo mode only): frames the Kontakt tab and answers the Teams
// JavaScript library's postMessage protocol the way Teams does (see
// ../shared/reference/teams-host-protocol.md in the development notes). The tab runs the
// real, unmodified library. What the tab asks for is recorded in `window.hostSim` for the
// end-to-end tests and shown in the log on the page.
'use strict';

(function () {
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const frame = $('tab');
  const controls = {
    theme: $('theme'),
    locale: $('locale'),
    user: $('user-name'),
    client: $('client'),
    pstn: $('pstn'),
    calling: $('calling'),
    consent: $('consent'),
    width: $('width'),
    answers: $('answers'),
  };

  // Start from the query string, so a test can open /dev/teams?theme=dark&locale=de-de.
  for (const [key, el] of Object.entries(controls)) {
    if (!params.has(key)) continue;
    if (el.type === 'checkbox') el.checked = params.get(key) !== '0';
    else el.value = params.get(key);
  }

  // What Teams tells a tab it can do (runtime API version 4): call and chat capabilities
  // are needed for call.startCall / chat.openChat to be sent instead of deep links.
  const runtime = () => ({
    apiVersion: 4,
    isLegacyTeams: false,
    hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
    supports: {
      app: { notifySuccessResponse: {} },
      appInstallDialog: {},
      ...(controls.calling.value === 'api' ? { call: {}, chat: {} } : {}),
      dialog: { url: {}, update: {} },
      teamsCore: {},
      pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {}, currentApp: {} },
    },
  });

  const sim = {
    messages: [],
    calls: [],
    chats: [],
    links: [],
    tokens: 0,
    authWindows: [],
    themes: [],
    notified: [],
    unhandled: [],
    consented: controls.consent.value === 'granted',
    setTheme,
    reload,
  };
  window.hostSim = sim;

  const userId = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
  const tenantId = '6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34';
  const upn = () => controls.user.value.trim().toLowerCase().replace(/[^a-z0-9]+/g, '.') + '@kontakt-demo.de';

  function log(text, action) {
    const li = document.createElement('li');
    li.textContent = text;
    if (action) li.className = 'action';
    $('log').appendChild(li);
    li.scrollIntoView({ block: 'nearest' });
  }

  function context() {
    return {
      locale: controls.locale.value,
      theme: controls.theme.value,
      entityId: 'contacts',
      frameContext: 'content',
      hostName: 'Teams',
      hostClientType: controls.client.value,
      appSessionId: '11111111-2222-4333-8444-555555555555',
      appId: 'kontakt-demo',
      userObjectId: userId,
      userDisplayName: controls.user.value,
      userPrincipalName: upn(),
      loginHint: upn(),
      tid: tenantId,
      userLicenseType: 'Unknown',
      isCallingAllowed: true,
      isPSTNCallingAllowed: controls.pstn.checked,
    };
  }

  function reply(event, args) {
    event.source.postMessage({ id: event.data.id, uuidAsString: event.data.uuidAsString, args }, event.origin);
  }

  // A demo token for the chosen user, from this server, as Teams would hand out an SSO token.
  async function token() {
    const res = await fetch('/api/v1/dev/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: userId, display_name: controls.user.value || 'Demo User', upn: upn() }),
    });
    if (!res.ok) throw new Error('the demo token route answered ' + res.status);
    sim.tokens += 1;
    return (await res.json()).token;
  }

  // The consent prompt Teams shows when a tab asks for a token with silent: false.
  function askConsent(text) {
    const dialog = $('consent-dialog');
    $('consent-text').textContent = text;
    dialog.hidden = false;
    $('consent-accept').focus();
    return new Promise((resolve) => {
      const done = (ok) => {
        dialog.hidden = true;
        $('consent-accept').onclick = null;
        $('consent-cancel').onclick = null;
        resolve(ok);
      };
      $('consent-accept').onclick = () => done(true);
      $('consent-cancel').onclick = () => done(false);
    });
  }
  sim.answerConsent = (ok) => $(ok ? 'consent-accept' : 'consent-cancel').click();

  const handlers = {
    initialize(event) {
      reply(event, ['content', controls.client.value, JSON.stringify(runtime()), '2.58.0']);
    },
    getContext(event) {
      reply(event, [context()]);
    },
    async 'authentication.getAuthToken'(event) {
      const silent = event.data.args[2] !== false;
      if (!sim.consented) {
        if (silent) return reply(event, [false, 'resourceRequiresConsent']);
        if (controls.consent.value === 'popup') return reply(event, [false, 'consent_required']);
        if (!(await askConsent('Kontakt wants to sign you in with your Microsoft account.'))) {
          return reply(event, [false, 'CancelledByUser']);
        }
        sim.consented = true;
      }
      try {
        reply(event, [true, await token()]);
      } catch (e) {
        reply(event, [false, String(e.message || e)]);
      }
    },
    'authentication.authenticate'(event) {
      // Teams opens the page in a window of its own; the page runs the Teams library too
      // and reports back with authentication.notifySuccess / notifyFailure.
      const [url, width, height] = event.data.args;
      sim.authWindows.push(url);
      log('sign-in window: ' + url, true);
      if (new URL(url).origin !== location.origin) {
        return reply(event, [false, 'the sign-in page must be on the domain of the tab']);
      }
      if (pendingAuth) reply(pendingAuth, [false, 'CancelledByUser']);
      authWindow = window.open(url, 'kontakt-sign-in', `popup,width=${width || 600},height=${height || 535}`);
      if (!authWindow) return reply(event, [false, 'the browser blocked the sign-in window']);
      pendingAuth = event;
      const watch = setInterval(() => {
        if (!authWindow || authWindow.closed) {
          clearInterval(watch);
          settleAuth(false, 'CancelledByUser');
        }
      }, 300);
    },
    registerHandler(event) {
      // One-way: the tab tells the host it listens for e.g. theme changes.
      log('registerHandler ' + event.data.args[0]);
    },
    'call.startCall'(event) {
      const targets = event.data.args[0].targets;
      sim.calls.push(targets);
      log('call.startCall → ' + targets.join(', '), true);
      reply(event, [true]);
    },
    'chat.openChat'(event) {
      const request = event.data.args[0];
      sim.chats.push(request);
      log('chat.openChat → ' + (request.members || []).join(', '), true);
      reply(event, [true]);
    },
    executeDeepLink(event) {
      sim.links.push(event.data.args[0]);
      log('openLink → ' + event.data.args[0], true);
      reply(event, [true]);
    },
    'appInitialization.success'(event) {
      sim.notified.push('success');
      reply(event, []);
    },
    'appInitialization.failure'(event) {
      sim.notified.push('failure');
      log('notifyFailure: ' + JSON.stringify(event.data.args));
    },
    'appInitialization.appLoaded'() {
      sim.notified.push('appLoaded');
    },
  };

  // The sign-in window talks to this page as its host (it is the window's opener).
  let authWindow = null;
  let pendingAuth = null;
  function settleAuth(ok, result) {
    if (!pendingAuth) return;
    if (ok) sim.consented = true;
    log('sign-in window: ' + (ok ? 'success' : 'failure ' + result), true);
    reply(pendingAuth, ok ? [true, result] : [false, result]);
    pendingAuth = null;
  }
  const signInHandlers = {
    initialize(event) {
      reply(event, ['authentication', controls.client.value, JSON.stringify(runtime()), '2.58.0']);
    },
    getContext(event) {
      reply(event, [context()]);
    },
    'authentication.authenticate.success'(event) {
      settleAuth(true, event.data.args[0]);
    },
    'authentication.authenticate.failure'(event) {
      settleAuth(false, event.data.args[0]);
    },
  };
  window.addEventListener('message', (event) => {
    if (!authWindow || event.source !== authWindow || event.origin !== location.origin) return;
    const message = event.data;
    if (!message || typeof message.func !== 'string') return;
    sim.messages.push({ func: 'sign-in window: ' + message.func, args: message.args });
    const handler = signInHandlers[message.func];
    if (!handler) {
      sim.unhandled.push('sign-in window: ' + message.func);
      return;
    }
    handler(event);
  });

  // Listening before the frame loads: initialize is sent once, right away.
  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow || event.origin !== location.origin) return;
    const message = event.data;
    if (!message || typeof message.func !== 'string') return;
    sim.messages.push({ func: message.func, args: message.args });
    if (controls.answers.value === 'no') {
      sim.unhandled.push(message.func);
      log('not answered: ' + message.func);
      return;
    }
    const handler = handlers[message.func];
    if (!handler) {
      // No answer: a test waiting for one fails visibly instead of passing by accident.
      sim.unhandled.push(message.func);
      log('unhandled: ' + message.func);
      return;
    }
    if (!['call.startCall', 'chat.openChat', 'executeDeepLink', 'authentication.authenticate'].includes(message.func)) {
      log(message.func);
    }
    handler(event);
  });

  function setTheme(theme) {
    controls.theme.value = theme;
    sim.themes.push(theme);
    log('themeChange → ' + theme, true);
    frame.contentWindow.postMessage({ func: 'themeChange', args: [theme] }, location.origin);
  }

  function reload() {
    sim.consented = controls.consent.value === 'granted';
    frame.style.maxWidth = controls.width.value ? controls.width.value + 'px' : '';
    frame.src = '/?inTeams=1';
  }

  controls.theme.addEventListener('change', () => setTheme(controls.theme.value));
  for (const el of [controls.locale, controls.user, controls.client, controls.pstn, controls.calling, controls.consent, controls.width]) {
    el.addEventListener('change', reload);
  }
  $('reload').addEventListener('click', reload);
  reload();
})();
