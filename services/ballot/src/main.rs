#[tokio::main]
async fn main() -> anyhow::Result<()> {
    juxuan_platform::service::main(
        juxuan_ballot::SERVICE,
        juxuan_ballot::settings,
        &juxuan_ballot::MIGRATIONS,
        |settings, shutdown| async move {
            juxuan_ballot::App::build(&settings)
                .await?
                .run_until_stopped(shutdown)
                .await
        },
    )
    .await
}
