import { CombinedGraphQLErrors } from '@apollo/client';
import { describe, expect, it } from 'vitest';
import { errorCode, plainMessage } from '../../web/src/lib/errors.js';

/** The console's plain sentences for the API's error codes, from Apollo and from graphql-ws. */
const apollo = (code: string, message: string) =>
  new CombinedGraphQLErrors({ errors: [{ message, extensions: { code } }] } as never);
const overWs = (code: string, message: string) => [{ message, extensions: { code } }];

describe('plainMessage', () => {
  it.each([apollo, overWs])('gives CONFLICT, RATE_LIMITED and UNAUTHENTICATED their own plain sentence (%#)', (make) => {
    expect(errorCode(make('CONFLICT', 'a pipeline is already running for this project'))).toBe('CONFLICT');
    expect(plainMessage(make('CONFLICT', 'a pipeline is already running for this project'))).toBe(
      'This project is already being processed. Wait for the current run to finish, or cancel it first.',
    );
    expect(plainMessage(make('RATE_LIMITED', 'too many starts; try again in 12 s'))).toBe(
      'Too many attempts in a short time. Please wait a little and try again. (too many starts; try again in 12 s)',
    );
    expect(plainMessage(make('UNAUTHENTICATED', 'token has expired'))).toBe('Your session has ended. Please sign in again.');
    expect(plainMessage(make('UNAUTHENTICATED', 'invalid email or password'))).toBe('That email and password do not match an account.');
  });

  it('passes the server’s own words through for bad input, which name the field or row', () => {
    expect(plainMessage(apollo('BAD_USER_INPUT', 'bad-amount.csv, row 6, column amount: "x" is not a number'))).toBe(
      'Bad-amount.csv, row 6, column amount: "x" is not a number',
    );
  });
});
