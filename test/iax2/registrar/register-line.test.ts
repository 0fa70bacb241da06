import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRegisterLine } from '../../../services/iax2/registrar/index.ts';

describe('register => lines', () => {
  it('reads every form iax.conf allows', () => {
    assert.deepEqual(parseRegisterLine('pbx1:s3cret@sip.example.net'), { username: 'pbx1', secret: 's3cret', host: 'sip.example.net', port: 4569 });
    assert.deepEqual(parseRegisterLine('pbx1@10.0.0.1:4570/1234'), { username: 'pbx1', host: '10.0.0.1', port: 4570, contactExten: '1234' });
    assert.deepEqual(parseRegisterLine('pbx1:[pbxkey]@host'), { username: 'pbx1', outkeyName: 'pbxkey', host: 'host', port: 4569 });
    assert.deepEqual(parseRegisterLine('pbx1:s3cret:[pbxkey]@host'), { username: 'pbx1', secret: 's3cret', outkeyName: 'pbxkey', host: 'host', port: 4569 });
    assert.deepEqual(parseRegisterLine('pbx1:pw@[2001:db8::1]:4569'), { username: 'pbx1', secret: 'pw', host: '2001:db8::1', port: 4569 });
  });

  it('refuses what is not a register line, saying why', () => {
    assert.throws(() => parseRegisterLine('nohost'), { code: 'IAX2_ERR_BAD_REGISTER_LINE' });
    assert.throws(() => parseRegisterLine('@host'), /no user name/);
    assert.throws(() => parseRegisterLine('u@host:99999'), /port 99999/);
  });
});
