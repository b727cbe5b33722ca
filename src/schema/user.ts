import { Firm, User } from '../entities/index.js';
import { requireViewer } from '../context.js';
import { AppError } from '../services/errors.js';
import { builder } from './builder.js';

export const FirmRef = builder.objectRef<Firm>('Firm').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
  }),
});

export const UserRef = builder.objectRef<User>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    firm: t.field({ type: FirmRef, resolve: (user, _args, ctx) => ctx.em().findOneOrFail(Firm, { id: user.firmId }) }),
  }),
});

const AuthPayloadRef = builder.objectRef<{ token: string; user: User }>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token'),
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    firmName: t.string({ required: true }),
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: UserRef,
    resolve: async (_root, _args, ctx) => {
      const viewer = requireViewer(ctx);
      const user = await ctx.em().findOne(User, { id: viewer.userId, firmId: viewer.firmId });
      if (!user) throw new AppError('UNAUTHENTICATED', 'the user of this token no longer exists');
      return user;
    },
  }),
);

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayloadRef,
    description: 'Creates a firm and its first user',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.auth.signUp(ctx.em(), input),
  }),
  login: t.field({
    type: AuthPayloadRef,
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await ctx.services.rateLimits.login(args.email, ctx.clientIp);
      const payload = await ctx.services.auth.login(ctx.em(), args.email, args.password);
      await ctx.services.rateLimits.loginSucceeded(args.email);
      return payload;
    },
  }),
}));
